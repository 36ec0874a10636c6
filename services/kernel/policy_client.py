"""The published rules evaluated in-process: a service's own copy of the policy book.

A policy decision over RPC costs a round trip through the broker and a row written by the
rules service; a service that asks several per record spends more time waiting for the rules
service than deciding. :class:`LocalRules` holds the rule files the rules service publishes
(asked for with its ``published_rules`` call) and decides with the very engine the rules
service runs (``services.rules.engine.PolicyBook``, the same code, never a second reading of
the semantics). The nameko glue (``services.kernel.nameko_ext.policy``) keeps it current: it
loads the set again when ``policy.published`` is heard, and now and then in any case.

Every decision taken here is still logged with its rule and version: :meth:`LocalRules.decide`
returns the decision and the decision log's record of it; the glue sends the records of one
unit of work to the rules service as one ``policy.decisions_logged`` event in that work's
transaction.

Facts and answers travel as they would over RPC (through kombu's JSON), so a caller sees
exactly what the rules service would have answered, errors included.
"""
from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timezone

from kombu.utils import json as kjson

from . import catalogue  # noqa: F401  (registers policy.decisions_logged)

LOG_EVENT = "policy.decisions_logged"
LOG_CHUNK = 500  # decisions per event (the schema allows 1000)


def _wire(value):
    """``value`` as it would arrive over RPC (nameko serialises with kombu's JSON): a fresh
    copy in JSON's types. Plain JSON values take the C encoder; anything else (Decimal, dates,
    UUIDs) kombu's own, as on the wire."""
    try:
        return json.loads(json.dumps(value, ensure_ascii=False))
    except TypeError:
        return kjson.loads(kjson.dumps(value))


class LocalRules:
    """The published rule set, in this process; ``fetch(known_fingerprint)`` answers as the
    rules service's ``published_rules`` does."""

    def __init__(self, fetch: Callable[[str | None], dict], clock: Callable[[], datetime] | None = None):
        self.fetch = fetch
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.book = None
        self.fingerprint: str | None = None
        self._snapshot = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self.book is not None

    def refresh(self) -> bool:
        """Ask for the published set; compile and swap it in when it changed (True then).

        A set that does not load (``loader.RulesInvalid``) raises and leaves the rules in
        force as they were; the swap itself is one assignment inside ``PolicyBook.reload``, so
        a decision sees the old set or the new one, never a mix."""
        answer = self.fetch(self.fingerprint)
        if answer.get("unchanged"):
            return False
        snapshot = (str(answer["fingerprint"]), dict(answer["files"]), dict(answer.get("extra") or {}))
        with self._lock:
            if self.book is None:
                from services.rules.engine import PolicyBook, TextsSource  # the one engine
                self._snapshot = snapshot
                try:
                    self.book = PolicyBook(source=TextsSource(lambda: self._snapshot, "published (in-process)"))
                except Exception:
                    self._snapshot = None
                    raise
            else:
                previous, self._snapshot = self._snapshot, snapshot
                try:
                    self.book.reload()
                except Exception:
                    self._snapshot = previous
                    raise
            self.fingerprint = snapshot[0]
        return True

    def close(self) -> None:
        if self.book is not None:
            self.book.close()

    # -- the policy port ---------------------------------------------------------------------
    def decide(self, area: str, facts: dict) -> tuple[dict, dict]:
        """``(decision, log record)``: the decision as the rules service answers it."""
        facts = _wire(facts)
        # the engine's answers are JSON values already (``engine.json_safe``): no second copy
        decision = self.book.decide(area, facts)
        record = self.record(decision, facts)
        decision["decision_id"] = record["id"]
        return decision, record

    def decide_many(self, area: str, facts_list: list[dict]) -> tuple[list[dict], list[dict]]:
        decisions, records = [], []
        for facts in facts_list:
            decision, record = self.decide(area, facts)
            decisions.append(decision)
            records.append(record)
        return decisions, records

    def params(self, area: str) -> dict:
        return _wire(self.book.params(area))

    def explain(self, area: str, facts: dict) -> list[str]:
        return self.book.explain(area, _wire(facts))

    def record(self, decision: dict, facts: dict) -> dict:
        """The decision log's row (``policy.decisions_logged``'s item) of one decision."""
        rule = decision["rule"]
        return {"id": str(uuid.uuid4()), "area": decision.get("policy") or rule.get("policy"),
                "version": int(rule["version"]), "rule_id": rule["id"], "outcome": decision["outcome"],
                "facts": facts, "values": decision.get("values") or {}, "reason": decision.get("reason") or "",
                "decided_at": self.clock().isoformat()}


def log_events(service: str, records: list[dict]):
    """The ``policy.decisions_logged`` payloads carrying ``records``: ``(data, subject)`` pairs."""
    for start in range(0, len(records), LOG_CHUNK):
        yield {"service": service, "decisions": records[start:start + LOG_CHUNK]}, f"decisions/{service}"
