"""The rules service: policy files in force, answered over RPC and applied to events.

Entrypoints only; the logic is in ``engine`` (PolicyBook), ``reactions`` and ``schedules``.
"""
from __future__ import annotations

import logging

from services.kernel.errors import ValidationFailed
from services.kernel.nameko_ext import Clock, Database, api, on_event

from . import loader, reactions, schedules, schemas
from .dependencies import Policies, config_timer

log = logging.getLogger(__name__)


def _refused(exc: loader.RulesInvalid) -> ValidationFailed:
    return ValidationFailed({
        "message": "rule files refused; the rules in force are unchanged",
        "problems": [p.to_dict() for p in exc.problems],
        "fields": {f"{p.file}:{p.line}" if p.line else p.file: [p.message] for p in exc.problems},
    })


class RulesService:
    name = "rules"
    db = Database()
    book = Policies()
    clock = Clock()

    # -- the policy port ------------------------------------------------------------------
    @api
    def decide(self, area, facts):
        return self.book.decide(area, facts)

    @api
    def params(self, area):
        return self.book.params(area)

    @api
    def explain(self, area, facts):
        """Every rule whose condition holds for these facts (the first one decides)."""
        return self.book.explain(area, facts)

    # -- files in force ---------------------------------------------------------------------
    @api
    def reload(self):
        try:
            return self.book.reload()
        except loader.RulesInvalid as exc:
            raise _refused(exc) from None

    @api
    def status(self):
        return self.book.status()

    @config_timer("RULES_WATCH_INTERVAL", 2.0)
    def watch_rules(self):
        """Saving a file is enough: every instance reloads when the folder changes."""
        if not self.book.changed():
            return
        try:
            status = self.book.reload()
            log.info("rules reloaded (generation %s)", status["generation"])
        except loader.RulesInvalid as exc:
            # Logged once per change of the files: the fingerprint is only taken on success,
            # so keep the log short and let `cocreate rules validate` give the details.
            log.error("rule files refused, the rules in force stay:\n%s", exc)

    # -- schedules --------------------------------------------------------------------------
    @api
    def schedule_review(self, payload):
        data = schemas.ReviewScheduleIn().load(payload)
        return schedules.view(schedules.schedule_review(self.db, self.book, self.clock.now(), **data))

    @api
    def track_deadline(self, payload):
        data = schemas.DeadlineIn().load(payload)
        return schedules.view(schedules.track_deadline(self.db, self.book, self.clock.now(), **data))

    @api
    def resolve_schedule(self, kind, subject):
        return schedules.view(schedules.resolve(self.db, self.clock.now(), kind=kind, subject=subject))

    @api
    def list_schedules(self, status=None):
        return schedules.listing(self.db, status)

    @config_timer("RULES_SCHEDULE_INTERVAL", 5.0)
    def fire_schedules(self):
        fired = schedules.fire_due(self.db, self.book, self.clock.now())
        if fired:
            log.info("schedules fired: %s", ", ".join(e["type"] for e in fired))

    # -- events -----------------------------------------------------------------------------
    @on_event("good_deed.verified")
    def on_good_deed_verified(self, event):
        reactions.on_good_deed(self.db, self.book, event)

    @on_event("funding_round.closed")
    def on_funding_round_closed(self, event):
        reactions.on_funding_round_closed(self.db, self.book, event)

    @on_event("motion.transitioned")
    def on_motion_transitioned(self, event):
        reactions.on_motion_transitioned(self.db, self.book, self.clock.now(), event)

    @on_event("review.completed")
    def on_review_completed(self, event):
        reactions.on_review_completed(self.db, self.clock.now(), event)
