"""户 the read model of households, from ``household(s).registered``: geography and 1+10 links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.kernel.db import get_or_404, upsert_many
from services.kernel.identity import roster_places

from .models import Household, PeriodPoints

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
    for d in items:
        if d["household_id"] in before and before[d["household_id"]] != (d["hamlet_id"], d["village_id"]):
            session.execute(update(PeriodPoints).where(PeriodPoints.household_id == d["household_id"]).values(
                hamlet_id=d["hamlet_id"], village_id=d["village_id"]))


def get(session: Session, household_id: str) -> Household:
    return get_or_404(session, Household, household_id, "household")


def known(session: Session, household_ids) -> dict[str, Household]:
    """The households of ``household_ids`` scoring knows, by id (one query for a batch)."""
    ids = sorted(set(household_ids))
    found: dict[str, Household] = {}
    for start in range(0, len(ids), 500):
        found.update({h.household_id: h for h in session.scalars(
            select(Household).where(Household.household_id.in_(ids[start:start + 500])))})
    return found


# the scope guard places a result naming only a household or hamlet through this read model
places = roster_places(Household.household_id, Household.hamlet_id, Household.village_id)
