"""户 the read model of households, from ``household(s).registered``: geography and 1+10 links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.kernel.db import get_or_404, upsert_many

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


def apply_many(session: Session, items: list[dict], now: datetime) -> None:
    """A roster import's batch (up to 500 households): one query, one flush."""
    upsert_many(session, Household, "household_id", [
        {"household_id": d["household_id"], "hamlet_id": d["hamlet_id"], "village_id": d["village_id"],
         "town_id": d.get("town_id"), "head_name": d["head_name"], "party_member": bool(d["party_member"]),
         "hub_household_id": d.get("hub_household_id"), "updated_at": now} for d in items])


def get(session: Session, household_id: str) -> Household:
    return get_or_404(session, Household, household_id, "household")
