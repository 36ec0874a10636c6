"""What the roster shows: a household, a hamlet, a page of households (ID and phone masked)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kernel.db import get_or_404
from services.kernel.identity import scoped

from . import models
from .places import hamlet_chain, village_of


def public_view(session: Session, household_id: str) -> dict | None:
    """The ``household.registered`` data of a stored household (no personal numbers in it)."""
    household = session.get(models.Household, household_id)
    if household is None:
        return None
    hamlet = session.get(models.Hamlet, household.hamlet_id)
    village = session.get(models.Village, hamlet.village_id)
    party = session.scalar(select(models.Resident.id).where(
        models.Resident.household_id == household_id, models.Resident.party_member.is_(True)).limit(1))
    return {
        "household_id": household.id, "hamlet_id": hamlet.id, "village_id": village.id,
        "town_id": village.town_id, "head_name": household.head_name,
        "village_name": village.name, "hamlet_name": hamlet.name,
        "party_member": party is not None,
        "hub_household_id": household.hub_household_id,
    }


def household_view(session: Session, household_id: str) -> dict:
    household = get_or_404(session, models.Household, household_id, "household")
    view = public_view(session, household.id)
    residents = session.scalars(select(models.Resident).where(
        models.Resident.household_id == household_id).order_by(models.Resident.id)).all()
    linked = session.scalars(select(models.Household.id).where(
        models.Household.hub_household_id == household_id, models.Household.id != household_id)
        .order_by(models.Household.id)).all()
    return {**view, "size": household.size, "note": household.note,
            "residents": residents, "linked_household_ids": list(linked)}


def reveal(session: Session, vault, view: dict, numbers: frozenset[str]) -> dict:
    """The view with the residents' ``numbers`` (``id_number``, ``phone``) decrypted in place of
    their masks, for a caller allowed them (contributions.actors.revealed)."""
    if not numbers or not view.get("residents"):
        return view
    stored = {r.id: r for r in session.scalars(select(models.Resident).where(
        models.Resident.household_id == view["household_id"]))}
    residents = []
    for resident in view["residents"]:
        row = stored.get(resident["resident_id"])
        resident = dict(resident)
        for number in numbers:
            token = getattr(row, f"{number}_enc", None) if row is not None else None
            if token:
                resident[number] = vault.decrypt(token)
        residents.append(resident)
    return {**view, "residents": residents}


def hamlet_view(session: Session, hamlet_id: str) -> dict:
    hamlet, village = hamlet_chain(session, hamlet_id)
    households = session.scalar(select(func.count()).select_from(models.Household)
                                .where(models.Household.hamlet_id == hamlet_id))
    return {"hamlet_id": hamlet.id, "name": hamlet.name, "village_id": village.id,
            "village_name": village.name, "town_id": village.town_id, "households": households}


def list_households(session: Session, hamlet_id: str | None = None, limit: int = 200, offset: int = 0,
                    caller=None) -> list[dict]:
    household = models.Household
    query = scoped(select(household.id), caller, household=household.id, hamlet=household.hamlet_id,
                   village=village_of(household.hamlet_id))
    query = query.order_by(household.id).limit(limit).offset(offset)
    if hamlet_id:
        query = query.where(models.Household.hamlet_id == hamlet_id)
    return [public_view(session, hid) for hid in session.scalars(query)]
