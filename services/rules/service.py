"""The rules service: the published policy versions in force, answered over RPC and applied to
events; publishing, history and the decision log.

Entrypoints only; the logic is in ``engine`` (PolicyBook), ``publishing``, ``decisions``,
``reactions`` and ``schedules``.
"""
from __future__ import annotations

import logging

from services.kernel.errors import ValidationFailed
from services.kernel.nameko_ext import Clock, Database, api, on_event

from nameko.dependency_providers import Config

from . import decisions, loader, publishing, reactions, schedules, schemas
from .dependencies import Policies, config_timer

log = logging.getLogger(__name__)


def _refused(exc: loader.RulesInvalid) -> ValidationFailed:
    return ValidationFailed({
        "message": "规则文件有问题，现行规则不变 — rule files refused; the rules in force are unchanged",
        "problems": [p.to_dict() for p in exc.problems],
        "fields": {f"{p.file}:{p.line}" if p.line else p.file: [p.message] for p in exc.problems},
    })


class RulesService:
    name = "rules"
    db = Database()
    book = Policies()
    clock = Clock()
    config = Config()

    # -- the policy port ------------------------------------------------------------------
    @api
    def decide(self, area, facts):
        return self.book.decide(area, facts)

    @api
    def decide_many(self, area, facts_list):
        """A batch of facts decided in one call (a hamlet's sheet, a work day's labour list);
        every decision is logged as if asked alone."""
        if not isinstance(facts_list, list) or not all(isinstance(f, dict) for f in facts_list):
            raise ValidationFailed.from_messages({"facts_list": ["a list of facts objects"]})
        return self.book.decide_many(area, facts_list)

    @api
    def params(self, area):
        return self.book.params(area)

    @api
    def explain(self, area, facts):
        """Every rule whose condition holds for these facts (the first one decides)."""
        return self.book.explain(area, facts)

    # -- published versions in force ------------------------------------------------------------
    @api
    def reload(self):
        """Read the published versions again (every instance also does so on its own timer)."""
        try:
            return self.book.reload()
        except loader.RulesInvalid as exc:
            raise _refused(exc) from None

    @api
    def status(self):
        return self.book.status()

    @api
    def published_rules(self, known=None):
        """The published rule files in force, for a service's in-process policy client
        (``services.kernel.policy_client``): ``{"fingerprint", "files", "extra"}``, or only
        ``{"fingerprint", "unchanged": true}`` when the caller already holds ``known``."""
        return publishing.published_texts(self.db, known)

    @api(actor={"author": "subject"})
    def publish(self, payload):
        """Check a whole draft and publish its changed files, or publish nothing and say why.

        The publisher is the caller's identity over HTTP; the CLI (the platform's own call)
        sends the operating-system user as ``author``."""
        data = schemas.PublishIn().load(payload)
        result = publishing.publish(self.db, data["files"], data["cases"], message=data["message"],
                                    author=data["author"], now=self.clock.now(),
                                    accept_warnings=data["accept_warnings"])
        if result["publication"]:
            self.db.commit()  # in force at once here; other instances follow on their timer
            result["in_force"] = self.book.reload()
        return result

    @api
    def history(self, query=None):
        """Newest first; ``query``: area, limit (the gateway passes its query string)."""
        data = schemas.HistoryQuery().load(query or {})
        return publishing.history(self.db, data["area"], data["limit"])

    @api
    def show(self, area, version):
        return publishing.version_view(publishing.get_version(self.db, area, version), text=True)

    @api
    def diff(self, area, old, new):
        return publishing.diff(self.db, area, old, new)

    @api
    def decisions(self, query=None):
        """The decision log, oldest first; ``query``: area, since, limit, after (the cursor)."""
        query = query or {}
        return decisions.listing(self.db, query.get("area"), query.get("since"), query.get("limit") or 500,
                                 query.get("after"))

    @api
    def decision(self, decision_id):
        return decisions.get(self.db, decision_id)

    @config_timer("RULES_WATCH_INTERVAL", 2.0)
    def watch_rules(self):
        """A publication made through another instance is in force here within one interval."""
        if not self.book.changed():
            return
        try:
            status = self.book.reload()
            log.info("published rules reloaded (generation %s)", status["generation"])
        except loader.RulesInvalid as exc:
            log.error("published rules refused, the rules in force stay:\n%s", exc)

    @config_timer("RULES_PRUNE_INTERVAL", 3600.0)
    def prune_decisions(self):
        removed = decisions.prune(self.db, self.clock.now(),
                                  float(self.config.get("RULES_DECISION_LOG_DAYS", 400)))
        if removed:
            log.info("decision log: %d decisions past the retention period removed", removed)

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

    @on_event("policy.decisions_logged")
    def on_decisions_logged(self, event):
        """Decisions other services took in-process: into the decision log, in one insert."""
        decisions.store_logged(self.db, event.data)

    @on_event("funding_round.closed")
    def on_funding_round_closed(self, event):
        reactions.on_funding_round_closed(self.db, self.book, event)

    @on_event("motion.transitioned")
    def on_motion_transitioned(self, event):
        reactions.on_motion_transitioned(self.db, self.book, self.clock.now(), event)

    @on_event("review.completed")
    def on_review_completed(self, event):
        reactions.on_review_completed(self.db, self.clock.now(), event)
