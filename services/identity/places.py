"""The geography scopes resolve against: the villages a Principal's scopes lie in or contain
(a town's villages, a resident's village), and a hub household's linked households.

Fed by the roster's ``household.registered`` events; most services know an object's village
but not its town, so a town staffer's Principal carries the villages of its town.
"""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel.db import upsert_many
from services.kernel.identity import HUB_HOUSEHOLD, Principal, Scope

from .models import Place


def household_registered(session: Session, data: dict) -> None:
    place = session.get(Place, data["household_id"]) or Place(household_id=data["household_id"])
    place.hamlet_id, place.village_id, place.town_id = data["hamlet_id"], data["village_id"], data["town_id"]
    place.hub_household_id = data.get("hub_household_id")
    session.add(place)


def households_registered(session: Session, data: dict) -> None:
    """A roster import's batch (up to 500 households): one query, one flush."""
    upsert_many(session, Place, "household_id", [
        {"household_id": h["household_id"], "hamlet_id": h["hamlet_id"], "village_id": h["village_id"],
         "town_id": h["town_id"], "hub_household_id": h.get("hub_household_id")} for h in data["households"]])


def resolve(session: Session, principal: Principal) -> Principal:
    """The Principal with what its scopes imply, from the roster as this service knows it."""
    villages = set(principal.ids("village"))
    for column, kind in ((Place.town_id, "town"), (Place.hamlet_id, "hamlet"), (Place.household_id, "household")):
        ids = principal.ids(kind)
        if ids:
            villages.update(session.scalars(select(Place.village_id).where(column.in_(ids)).distinct()))
    scopes = list(principal.scopes)
    if principal.role == HUB_HOUSEHOLD:
        own = principal.ids("household")
        linked = session.scalars(select(Place.household_id).where(Place.hub_household_id.in_(own))
                                 .order_by(Place.household_id))
        scopes += [Scope("household", h) for h in linked if h not in own]
    hamlets = session.scalars(select(Place.hamlet_id).where(Place.village_id.in_(villages)).distinct()) \
        if villages else []
    return replace(principal, villages=tuple(sorted(villages)), hamlets=tuple(sorted(set(hamlets))),
                   scopes=tuple(dict.fromkeys(scopes)))
