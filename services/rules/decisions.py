"""The decision log: every decision the rules service takes, with the facts it was given.

What-if replay re-decides these facts under a draft (``cocreate rules replay``), and any of
them can become a staff case (``cocreate rules case-from``). :class:`LoggedBook` wraps the
policy book for one worker: each ``decide`` is stored in that worker's transaction, so a
decision is logged exactly when the work that asked for it is committed.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.kernel.errors import NotFound, ValidationFailed

from services.kernel.db import insert_rows

from .engine import json_safe
from .models import Decision


def record(session: Session, decision: dict, facts: dict, now: datetime) -> str:
    decision_id = str(uuid.uuid4())
    session.add(Decision(**row(decision, facts, now, decision_id)))
    return decision_id


def row(decision: dict, facts: dict, now: datetime, decision_id: str | None = None) -> dict:
    """The decision log's row of one decision (also what a policy client sends, as JSON)."""
    return {"id": decision_id or str(uuid.uuid4()), "area": decision["policy"],
            "version": int(decision["rule"]["version"]), "rule_id": decision["rule"]["id"],
            "outcome": decision["outcome"], "facts": json_safe(facts),
            "values": json_safe(decision.get("values") or {}), "reason": decision.get("reason") or "",
            "decided_at": now}


def record_many(session: Session, rows: list[dict]) -> None:
    """Many decisions in one multi-row INSERT (a batch call, a policy client's log)."""
    insert_rows(session, Decision, rows)


def store_logged(session: Session, data: dict) -> int:
    """Decisions a service took in-process (``policy.decisions_logged``), stored as if the
    rules service had taken them; returns how many."""
    rows = []
    for item in data["decisions"]:
        decided_at = datetime.fromisoformat(item["decided_at"])
        rows.append({**{k: item[k] for k in ("id", "area", "version", "rule_id", "outcome", "facts")},
                     "values": item.get("values") or {}, "reason": item.get("reason") or "",
                     "decided_at": _aware(decided_at)})
    record_many(session, rows)
    return len(rows)


class LoggedBook:
    """The policy book as one worker sees it: decisions are logged in its session."""

    def __init__(self, book, session_getter, clock):
        self._book = book
        self._session = session_getter
        self._clock = clock

    def __getattr__(self, name):
        return getattr(self._book, name)

    def decide(self, area: str, facts: dict) -> dict:
        decision = self._book.decide(area, facts)
        session = self._session()
        if session is not None:
            decision["decision_id"] = record(session, decision, facts, self._clock())
        return decision

    def decide_many(self, area: str, facts_list: list[dict]) -> list[dict]:
        """A batch of facts in one call; each decision is logged, with its rule and version,
        in one multi-row insert."""
        answers = [self._book.decide(area, facts) for facts in facts_list]
        session = self._session()
        if session is not None and answers:
            rows = [row(decision, facts, self._clock()) for decision, facts in zip(answers, facts_list)]
            for decision, logged in zip(answers, rows):
                decision["decision_id"] = logged["id"]
            record_many(session, rows)
        return answers


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def view(row: Decision) -> dict:
    return {"id": row.id, "area": row.area, "version": row.version, "rule": row.rule_id,
            "outcome": row.outcome, "facts": row.facts, "values": row.values, "reason": row.reason,
            "decided_at": _aware(row.decided_at).isoformat()}


def listing(session: Session, area: str | None = None, since=None, limit: int = 500,
            after: str | None = None) -> dict:
    """Oldest first, a page at a time: ``after`` is the last page's ``next`` cursor."""
    limit = max(1, min(int(limit or 500), 2000))
    query = select(Decision).order_by(Decision.decided_at, Decision.id)
    if area:
        query = query.where(Decision.area == area)
    if since:
        try:
            start = datetime.fromisoformat(str(since))
        except ValueError:
            raise ValidationFailed.from_messages(
                {"since": [f"日期写成 2025-01-01 — a date like 2025-01-01, not {since!r}"]}) from None
        query = query.where(Decision.decided_at >= _aware(start))
    if after:
        at, _, last_id = str(after).partition("|")
        stamp = datetime.fromisoformat(at)
        query = query.where((Decision.decided_at > stamp) | ((Decision.decided_at == stamp) & (Decision.id > last_id)))
    rows = session.execute(query.limit(limit)).scalars().all()
    items = [view(row) for row in rows]
    cursor = f"{rows[-1].decided_at.isoformat()}|{rows[-1].id}" if len(rows) == limit else None
    return {"items": items, "next": cursor}


def get(session: Session, decision_id: str) -> dict:
    row = session.get(Decision, decision_id)
    if row is None:
        raise NotFound({"message": f"没有这条决定记录 {decision_id}（可能已按保留期限清理） — decision not found",
                        "kind": "decision", "id": decision_id})
    return view(row)


def prune(session: Session, now: datetime, keep_days: float) -> int:
    """Delete decisions older than ``keep_days`` (0 or less: keep everything)."""
    if keep_days <= 0:
        return 0
    result = session.execute(delete(Decision).where(Decision.decided_at < now - timedelta(days=keep_days)))
    return result.rowcount or 0
