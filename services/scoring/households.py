"""户 the read model of households, from ``household.registered``: geography and 1+10 links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.kernel.db import get_or_404
from services.kernel.identity import roster_places

from .models import Household

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
    return household


def get(session: Session, household_id: str) -> Household:
    return get_or_404(session, Household, household_id, "household")


# the scope guard places a result naming only a household or hamlet through this read model
places = roster_places(Household.household_id, Household.hamlet_id, Household.village_id)
