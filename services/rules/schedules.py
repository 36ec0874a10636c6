"""Schedules kept in the database: half-year reviews (半年评议) and answer deadlines (回音墙, 我来提).

The engine's own timers live in memory and die with the process; these rows do not. A nameko
timer calls :func:`fire_due` every few seconds; it takes the rows whose ``next_check_at`` has
passed, asks the rules in force (``reviews`` or ``deadlines``) what is now the case, emits the
decision event through the outbox and moves ``next_check_at`` on, all in one transaction. After
a restart the next tick finds whatever fell due meanwhile. Time comes in as ``now``, from the service's injected clock.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.errors import NotFound, ValidationFailed

from .models import ACTIVE, Schedule

REVIEW, DEADLINE = "review", "deadline"
DONE, ESCALATED, EXHAUSTED, RESOLVED = "done", "escalated", "exhausted", "resolved"


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone=True columns.
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _upsert(session: Session, kind: str, subject: str) -> Schedule:
    row = session.execute(select(Schedule).where(Schedule.kind == kind, Schedule.subject == subject)
                          ).scalar_one_or_none()
    if row is None:
        row = Schedule(id=str(uuid.uuid4()), kind=kind, subject=subject, fired=0)
        session.add(row)
    return row


CONTEXT = ("motion_id", "title", "village_id", "hamlet_id")  # carried into review.due/overdue


def schedule_review(session: Session, book, now, *, subject: str, kind: str, since,
                    context: dict | None = None) -> Schedule:
    """Watch a project's next review, counted from ``since`` (completion, approval or last review).

    ``context`` (motion_id, title, village_id, hamlet_id) says what is reviewed; it travels in
    the review events so the scoring service can open the review without asking anyone."""
    if not subject:
        raise ValidationFailed.from_messages({"subject": ["e.g. project/<id>"]})
    since_text = since.isoformat() if isinstance(since, (date, datetime)) else str(since)
    decision = book.decide("reviews", {"kind": kind, "since": since_text, "now": now.isoformat()})
    row = _upsert(session, REVIEW, subject)
    row.facts = {"kind": kind, "since": since_text[:10],
                 **({"context": {k: context.get(k) for k in CONTEXT}} if context else {})}
    row.level = 0
    row.started_at = now
    row.status = ACTIVE
    row.last_outcome, row.last_rule = None, None
    due_at = datetime.fromisoformat(decision["values"]["due_at"])
    row.next_check_at = max(due_at, now)
    row.updated_at = now
    session.flush()
    return row


def track_deadline(session: Session, book, now, *, subject: str, kind: str,
                   opened_at: datetime | None = None) -> Schedule:
    """Watch an unanswered suggestion or report from its first answerer (level 0) upward."""
    if not subject:
        raise ValidationFailed.from_messages({"subject": ["e.g. suggestion/<id>"]})
    started = _aware(opened_at) if opened_at else now
    decision = book.decide("deadlines", {"kind": kind, "level": 0, "age_hours": 0})
    row = _upsert(session, DEADLINE, subject)
    row.facts = {"kind": kind}
    row.level = 0
    row.started_at = started
    row.status = ACTIVE
    row.last_outcome, row.last_rule = None, None
    row.next_check_at = started + timedelta(hours=float(decision["values"]["deadline_hours"]))
    row.updated_at = now
    session.flush()
    return row


def resolve(session: Session, now, *, kind: str, subject: str) -> Schedule:
    """The review was held or the matter answered: stop watching it."""
    row = session.execute(select(Schedule).where(Schedule.kind == kind, Schedule.subject == subject)
                          ).scalar_one_or_none()
    if row is None:
        raise NotFound.of(f"{kind} schedule", subject)
    row.status = RESOLVED
    row.updated_at = now
    return row


def stop_watching(session: Session, now, *, kind: str, subject: str) -> Schedule | None:
    """Like :func:`resolve`, for a reaction to an event: a subject nobody watches is no error."""
    row = session.execute(select(Schedule).where(Schedule.kind == kind, Schedule.subject == subject)
                          ).scalar_one_or_none()
    if row is None or row.status == RESOLVED:
        return None
    return resolve(session, now, kind=kind, subject=subject)


def fire_due(session: Session, book, now, limit: int = 200) -> list[dict]:
    """Decide every schedule that is due; returns the envelopes emitted."""
    rows = session.execute(
        select(Schedule).where(Schedule.status == ACTIVE, Schedule.next_check_at <= now)
        .order_by(Schedule.next_check_at).limit(limit)
        .with_for_update(skip_locked=True)  # several instances never fire the same row twice
    ).scalars().all()
    emitted = []
    for row in rows:
        if row.kind == REVIEW:
            emitted += _fire_review(session, book, row, now)
        else:
            emitted += _fire_deadline(session, book, row, now)
        row.updated_at = now
    return emitted


def _fire_review(session: Session, book, row: Schedule, now: datetime) -> list[dict]:
    decision = book.decide("reviews", {"kind": row.facts["kind"], "since": row.facts["since"],
                                       "now": now.isoformat()})
    values = decision["values"]
    outcome = decision["outcome"]
    emitted = []
    if outcome == "not_due":  # the rules were changed to a later date since it was scheduled
        row.next_check_at = datetime.fromisoformat(values["due_at"])
        return emitted
    payload = {"schedule_id": row.id, "subject": row.subject, "kind": row.facts["kind"],
               "since": row.facts["since"], "due_at": values["due_at"],
               "reviewers": list(values.get("reviewers") or []), "escalate_to": values.get("escalate_to"),
               "reason": decision["reason"], "rule": decision["rule"], **(row.facts.get("context") or {})}
    if outcome == "due":
        if row.last_outcome != "due":
            emitted.append(outbox.emit(session, "review.due", payload, subject=row.subject))
            row.fired += 1
        # Look again the moment it would be overdue, not before.
        row.next_check_at = datetime.fromisoformat(values["overdue_at"]) + timedelta(seconds=1)
        if row.next_check_at <= now:
            row.next_check_at = now + timedelta(minutes=1)
    else:  # overdue: escalate once; the schedule ends until someone schedules the next review
        emitted.append(outbox.emit(session, "review.overdue", payload, subject=row.subject))
        row.fired += 1
        row.status = ESCALATED
    row.last_outcome, row.last_rule = outcome, decision["rule"]
    return emitted


def _fire_deadline(session: Session, book, row: Schedule, now: datetime) -> list[dict]:
    kind = row.facts["kind"]
    age_hours = (now - _aware(row.started_at)).total_seconds() / 3600
    decision = book.decide("deadlines", {"kind": kind, "level": row.level, "age_hours": age_hours})
    values = decision["values"]
    row.last_outcome, row.last_rule = decision["outcome"], decision["rule"]
    if decision["outcome"] != "escalate":
        due = _aware(row.started_at) + timedelta(hours=float(values["deadline_hours"]))
        if due <= now:  # past the deadline with nobody above: the top level keeps it
            row.status = EXHAUSTED
        else:
            row.next_check_at = due
        return []
    payload = {"schedule_id": row.id, "subject": row.subject, "kind": kind, "from_level": row.level,
               "to_level": row.level + 1, "escalate_to": values["escalate_to"],
               "age_hours": round(age_hours, 2), "deadline_hours": float(values["deadline_hours"]),
               "reason": decision["reason"], "rule": decision["rule"]}
    envelope = outbox.emit(session, "deadline.escalated", payload, subject=row.subject)
    row.fired += 1
    row.level += 1
    row.started_at = now  # the next level's clock starts now
    following = book.decide("deadlines", {"kind": kind, "level": row.level, "age_hours": 0})
    row.next_check_at = now + timedelta(hours=float(following["values"]["deadline_hours"]))
    return [envelope]


def view(row: Schedule) -> dict:
    return {"schedule_id": row.id, "kind": row.kind, "subject": row.subject, "facts": row.facts,
            "level": row.level, "status": row.status, "started_at": _aware(row.started_at).isoformat(),
            "next_check_at": _aware(row.next_check_at).isoformat(), "last_outcome": row.last_outcome,
            "last_rule": row.last_rule, "fired": row.fired}


def listing(session: Session, status: str | None = None) -> list[dict]:
    query = select(Schedule).order_by(Schedule.next_check_at)
    if status:
        query = query.where(Schedule.status == status)
    return [view(r) for r in session.execute(query).scalars()]
