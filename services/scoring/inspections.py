"""清洁日 cleaning day: every Friday households clean, then each 党员中心户 hub household inspects
the yards linked to it (1+10), rates them and compares them (看一看、评一评、比一比).

The inspector's grade turns into points through the civility-points rule: the grades, their
labels and the deed each earns are those of the published civility_points.yaml
(``params.sources.inspection``, see :mod:`point_sources`); the score (0..100) ranks hamlets by hygiene.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import outbox, periods
from services.kernel.errors import Conflict, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.paging import paged

from . import households, ledger, point_sources
from .models import Inspection

def record(session: Session, policy, data: dict, now: datetime) -> Inspection:
    deed_code = point_sources.inspection_deed(policy, data["grade"])
    household = households.named(session, data["household_id"])
    if household.hub_household_id is None or household.hub_household_id != data["inspector_household_id"]:
        # Only the linked hub household inspects: that link is what makes the rating fair (一人联十户).
        raise ValidationFailed.from_messages({"inspector_household_id": [
            f"household {household.household_id} is linked to hub household "
            f"{household.hub_household_id or '(none)'}, not {data['inspector_household_id']}"]})
    day = data.get("inspected_on") or periods.local_date(now)
    week = periods.week_of(day)
    taken = session.execute(select(Inspection.inspection_id).where(
        Inspection.household_id == household.household_id, Inspection.week == week)).first()
    if taken is not None:
        raise Conflict({"message": f"household {household.household_id} was already inspected in {week}",
                        "inspection_id": taken.inspection_id, "week": week})
    inspection_id = new_id("ins")
    remarks = data.get("remarks", "")
    entry = None
    found = ledger.resolve(policy, [(deed_code, 1)])
    if found is not None:  # the inspection is a fact; its points are whatever the catalogue gives
        deed, units, decision = found
        entry = ledger.record(
            session, policy, household_id=household.household_id, hamlet_id=household.hamlet_id,
            deed_code=deed, units=units, decision=decision, source="inspection", source_ref=inspection_id,
            reason=f"清洁日 {week} {data['grade']}: {remarks}".strip(), now=now, quarter=periods.quarter_of(day))
    inspection = Inspection(
        inspection_id=inspection_id, household_id=household.household_id,
        hamlet_id=household.hamlet_id, village_id=household.village_id,
        inspector_household_id=data["inspector_household_id"], inspected_on=day, week=week,
        quarter=periods.quarter_of(day), score=data["score"], grade=data["grade"], remarks=remarks,
        entry_id=entry.entry_id if entry else None, created_at=now)
    session.add(inspection)
    session.flush()
    outbox.emit(session, "yard.inspected", {
        "inspection_id": inspection_id, "household_id": household.household_id,
        "hamlet_id": household.hamlet_id, "inspector_household_id": inspection.inspector_household_id,
        "week": week, "score": inspection.score, "grade": inspection.grade, "remarks": remarks,
        "points": entry.points if entry else 0, "entry_id": entry.entry_id if entry else None,
    }, subject=f"household/{household.household_id}")
    return inspection


def list_inspections(session: Session, *, hamlet_id=None, week=None, household_id=None,
                     inspector_household_id=None, limit: int | None = None, offset: int = 0) -> list[Inspection]:
    query = select(Inspection).order_by(Inspection.inspected_on, Inspection.household_id)
    for column, value in ((Inspection.hamlet_id, hamlet_id), (Inspection.week, week),
                          (Inspection.household_id, household_id),
                          (Inspection.inspector_household_id, inspector_household_id)):
        if value:
            query = query.where(column == value)
    return list(session.execute(paged(query, limit, offset)).scalars())

