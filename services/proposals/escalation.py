"""Deadlines: an echo-wall suggestion unanswered, or a resident report unresolved, past the
deadline of the ``deadlines`` rule is escalated one level up (hamlet → village → town → county),
and again from there if it is still waiting when the next level's deadline passes.

Called by the service's timer with the clock's ``now``; tests pass the moment they need.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.kernel import outbox

from services.kernel.clock import iso
from services.kernel.policy import decide, rule_ref
from .models import Report, Suggestion
from .reports import OPEN_STATES

BATCH = 500                      # per kind and run: the next run picks up the rest
RECHECK_WITHOUT_DEADLINE = timedelta(hours=24)

KINDS = (
    ("suggestion", Suggestion, lambda: Suggestion.status == "open", "suggestion.escalated", "suggestion_id"),
    ("report", Report, lambda: Report.state.in_(OPEN_STATES), "report.escalated", "report_id"),
)


def escalate_overdue(session: Session, policy, now) -> list[dict]:
    """Ask the deadlines rule about every open item that may be due; returns the escalations.

    A "wait" verdict is remembered with its deadline, so an item is asked about again only
    once that deadline has passed, or at once when the rule file's version changes.
    """
    version = int(policy.params("deadlines")["version"])
    escalated = []
    for kind, model, is_open, event_name, id_field in KINDS:
        stmt = (select(model).where(is_open(), or_(
            model.next_check_at.is_(None), model.next_check_at <= now,
            model.check_version.is_(None), model.check_version != version))
            .order_by(model.level_since, model.id).limit(BATCH))
        for item in session.scalars(stmt):
            # Exact, never rounded: rounding up would escalate before the deadline.
            age_hours = (now - item.level_since).total_seconds() / 3600
            decision = decide(policy, "deadlines", {"kind": kind, "level": item.level,
                                                 "age_hours": age_hours}, {"escalate", "wait"})
            values = decision["values"]
            if decision["outcome"] == "wait":
                deadline = values.get("deadline_hours")
                item.next_check_at = (item.level_since + timedelta(hours=float(deadline))
                                      if deadline is not None else now + RECHECK_WITHOUT_DEADLINE)
                item.check_version = int(decision["rule"]["version"])
                continue
            item.level += 1
            item.escalated_to = values["escalate_to"]
            item.level_since = now
            item.next_check_at = item.check_version = None
            data = {id_field: item.id, "village_id": item.village_id, "hamlet_id": item.hamlet_id,
                    "title": item.title, "level": item.level, "escalate_to": item.escalated_to,
                    "age_hours": age_hours, "deadline_hours": values.get("deadline_hours"),
                    "escalated_at": iso(now), "rule": rule_ref(decision)}
            session.flush()
            outbox.emit(session, event_name, data, subject=item.id)
            escalated.append({"kind": kind, **data})
    return escalated
