"""户 the read model of households, from ``household.registered``: geography and 1+10 links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.kernel.db import get_or_404
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
