"""优先规划实施群众最关心、最紧迫的项目: residents' endorsements of suggestions and motions.

One endorsement per household and item, stamped with the caller's own household (a resident,
or an official with a home household). A motion's urgency is the number of distinct households
that endorsed it or a suggestion it came from; every change of that number is announced as
``motion.urgency_changed``, so the funding ranking (contributions) can weigh urgency with
participation when the funding rule says so (``urgency_weight``).
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, ValidationFailed
from services.kernel.identity import Forbidden
from services.kernel.ids import new_id

from .models import Endorsement, Motion, Suggestion

TARGETS = {"suggestion": Suggestion, "motion": Motion}


def endorse(session: Session, now, target_type: str, target_id: str, data: dict, caller=None) -> Endorsement:
    """A household's endorsement; a second one from the same household is a 409."""
    target = get_or_404(session, TARGETS[target_type], target_id, target_type)
    household_id = data.get("household_id")
    if not household_id:
        raise ValidationFailed.from_messages({"household_id": [
            "一户一票：要知道是哪一户在附议 (the endorsing household; a caller without a household of its own cannot endorse)"]})
    if caller is not None and not caller.reaches({"village": target.village_id}):
        raise Forbidden({"message": f"只有本村村民可以附议 (only residents of {target.village_id} endorse its items)",
                         "role": caller.role})
    if target_type == "motion" and target.state in ("rejected", "withdrawn", "completed", "reviewed"):
        raise Conflict({"message": f"motion {target.id} is {target.state}: no longer open to endorsement",
                        "state": target.state})
    if target_type == "suggestion" and target.status == "answered" and target.motion_id is None:
        raise Conflict({"message": f"suggestion {target.id} was answered ({target.outcome}) and is in no motion",
                        "status": target.status})
    already = session.scalar(select(Endorsement).where(
        Endorsement.target_type == target_type, Endorsement.target_id == target_id,
        Endorsement.household_id == household_id))
    if already is not None:
        raise Conflict({"message": f"一户一票：{household_id} 已于 {iso(already.endorsed_at)} 附议过",
                        "endorsement_id": already.id})
    row = Endorsement(id=new_id("end"), target_type=target_type, target_id=target_id,
                      village_id=target.village_id, hamlet_id=target.hamlet_id, household_id=household_id,
                      endorsed_by=data["endorsed_by"], note=data.get("note") or "", endorsed_at=now)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict({"message": f"一户一票：{household_id} 已附议过"}) from None
    motion_id = target.id if target_type == "motion" else target.motion_id
    motion = session.get(Motion, motion_id) if motion_id else None
    if motion is not None:
        refresh(session, now, motion)
    outbox.emit(session, "endorsement.recorded", {
        "endorsement_id": row.id, "target_type": target_type, "target_id": target_id,
        "village_id": row.village_id, "hamlet_id": row.hamlet_id, "household_id": household_id,
        "endorsed_by": row.endorsed_by, "endorsed_at": iso(now), "motion_id": motion_id,
        "endorsements": count(session, target_type, target_id),
        "motion_endorsing_households": motion.endorsing_households if motion is not None else None,
    }, subject=f"{target_type}/{target_id}")
    return row


def count(session: Session, target_type: str, target_id: str) -> int:
    return len(session.scalars(select(Endorsement.id).where(
        Endorsement.target_type == target_type, Endorsement.target_id == target_id)).all())


def households_of(session: Session, motion: Motion) -> set[str]:
    """The distinct households behind a motion: its own endorsements and its suggestions'."""
    suggestion_ids = select(Suggestion.id).where(Suggestion.motion_id == motion.id)
    rows = session.scalars(select(Endorsement.household_id).where(or_(
        (Endorsement.target_type == "motion") & (Endorsement.target_id == motion.id),
        (Endorsement.target_type == "suggestion") & Endorsement.target_id.in_(suggestion_ids))))
    return set(rows)


def refresh(session: Session, now, motion: Motion) -> None:
    """Recount the motion's endorsing households; announce a change (also when a suggestion
    that residents endorsed is taken into the motion)."""
    session.flush()
    households = len(households_of(session, motion))
    if households == (motion.endorsing_households or 0):
        return
    motion.endorsing_households = households
    outbox.emit(session, "motion.urgency_changed", {
        "motion_id": motion.id, "village_id": motion.village_id, "hamlet_id": motion.hamlet_id,
        "endorsing_households": households, "at": iso(now)}, subject=f"motion/{motion.id}")


def listing(session: Session, target_type: str, target_id: str) -> list[Endorsement]:
    get_or_404(session, TARGETS[target_type], target_id, target_type)
    return list(session.scalars(select(Endorsement).where(
        Endorsement.target_type == target_type, Endorsement.target_id == target_id)
        .order_by(Endorsement.endorsed_at, Endorsement.id)))
