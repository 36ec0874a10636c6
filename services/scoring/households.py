"""户 the read model of households, from ``household(s).registered``: geography and 1+10 links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.kernel.db import get_or_404, upsert_many
from services.kernel.db import known as known_row
from services.kernel.errors import invalid
from services.kernel.identity import roster_places

from .models import Household, PeriodPoints, Resident

def apply_registered(session: Session, data: dict, now: datetime) -> Household:
    """Insert or update (a re-registration carries the household's current state)."""
    household = session.get(Household, data["household_id"]) or Household(household_id=data["household_id"])
    household.hamlet_id = data["hamlet_id"]
    household.village_id = data["village_id"]
    household.town_id = data.get("town_id")
    household.head_name = data["head_name"]
    household.party_member = bool(data["party_member"])
    household.hub_household_id = data.get("hub_household_id")
    household.updated_at = now
    session.add(household)
    session.flush()
    replace_residents(session, [data])
    # the rankings' tallies follow a household that moved
    session.execute(update(PeriodPoints).where(PeriodPoints.household_id == household.household_id).values(
        hamlet_id=household.hamlet_id, village_id=household.village_id))
    return household


def apply_many(session: Session, items: list[dict], now: datetime) -> None:
    """A roster import's batch (up to 500 households): one query, one flush; the rankings'
    tallies follow the households that moved, as in :func:`apply_registered`."""
    before = {h.household_id: (h.hamlet_id, h.village_id)
              for h in known(session, [d["household_id"] for d in items]).values()}
    upsert_many(session, Household, "household_id", [
        {"household_id": d["household_id"], "hamlet_id": d["hamlet_id"], "village_id": d["village_id"],
         "town_id": d.get("town_id"), "head_name": d["head_name"], "party_member": bool(d["party_member"]),
         "hub_household_id": d.get("hub_household_id"), "updated_at": now} for d in items])
    replace_residents(session, items)
    for d in items:
        if d["household_id"] in before and before[d["household_id"]] != (d["hamlet_id"], d["village_id"]):
            session.execute(update(PeriodPoints).where(PeriodPoints.household_id == d["household_id"]).values(
                hamlet_id=d["hamlet_id"], village_id=d["village_id"]))


def replace_residents(session: Session, items: list[dict]) -> None:
    """The people of the households whose event lists them, replaced (one query per 500)."""
    listed = {d["household_id"]: {r["resident_id"]: r for r in d["residents"]}
              for d in items if d.get("residents") is not None}
    if not listed:
        return
    households = sorted(listed)
    for start in range(0, len(households), 500):
        for stored in session.scalars(select(Resident).where(Resident.household_id.in_(households[start:start + 500]))):
            if stored.resident_id not in listed[stored.household_id]:
                session.delete(stored)
    session.flush()
    upsert_many(session, Resident, "resident_id", [
        {"resident_id": rid, "household_id": hid, "name": r["name"], "party_member": bool(r["party_member"]),
         "party_category": r.get("party_category") if r["party_member"] else None}
        for hid, people in listed.items() for rid, r in people.items()])
    session.flush()


def get(session: Session, household_id: str) -> Household:
    return get_or_404(session, Household, household_id, "household")


def named(session: Session, household_id: str, field: str = "household_id",
          resident_id: str | None = None) -> Household:
    """The household a command names (and its resident, if named): on the roster, or a 400
    naming the field — a command refers only to what exists."""
    household = known_row(session, Household, household_id, field, "household")
    if resident_id is not None:
        resident = known_row(session, Resident, resident_id, "resident_id", "resident")
        if resident.household_id != household.household_id:
            raise invalid("resident_id", f"村民 {resident_id} 不是户 {household_id} 的 (of another household)")
    return household


def known(session: Session, household_ids) -> dict:
    """Where the households of ``household_ids`` that scoring knows are, by id: rows with
    ``household_id``, ``hamlet_id`` and ``village_id`` (one query per 500, columns only: a
    sheet's 50 ORM objects cost more than the query)."""
    ids = sorted(set(household_ids))
    found: dict = {}
    for start in range(0, len(ids), 500):
        found.update({h.household_id: h for h in session.execute(
            select(Household.household_id, Household.hamlet_id, Household.village_id)
            .where(Household.household_id.in_(ids[start:start + 500])))})
    return found


# the scope guard places a result naming only a household or hamlet through this read model
places = roster_places(Household.household_id, Household.hamlet_id, Household.village_id)
