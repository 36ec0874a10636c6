"""四个一律 demolitions: never compensated, land to public use, salvage reused on site."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from services.contributions import demolitions, ledger, models
from services.kernel.errors import PolicyRefused

from .fakes import emitted


def test_register_then_a_compensation_claim_is_refused_by_rule(session, policy, clock, roster_loaded):
    demolition, salvage = demolitions.register(session, policy, clock.now(), {
        "structure_type": "old_house", "area_m2": Decimal("660"), "household_id": "hh4",
        "demolished_on": date(2026, 5, 2),
        "salvaged_items": [{"name": "磨盘 millstone", "count": 4}, {"name": "石鼓 stone drum", "count": 2}]})
    session.commit()
    parcel = session.get(models.Parcel, demolition.parcel_id)
    assert (parcel.area_m2, parcel.land_use, parcel.origin, parcel.hamlet_id) == (Decimal("660.00"), "public",
                                                                                  "demolition", "h1")
    (entry,) = salvage
    assert (entry.kind, entry.household_id, entry.reused_on_site, entry.demolition_id) == (
        "materials", "hh4", True, demolition.id)
    (_, registered), = emitted(session, "demolition.registered")
    assert registered["salvage_entry_ids"] == [entry.id] and registered["area_m2"] == "660.00"
    assert registered["rule"]["id"] == "demolition.register"
    assert ledger.totals(session, {"hamlet_id": "h1"})["materials"]["items"] == {
        "石鼓 stone drum": 2, "磨盘 millstone": 4}

    events_before = emitted(session)
    with pytest.raises(PolicyRefused) as caught:
        demolitions.claim_compensation(session, policy, demolition.id, {"amount": Decimal("5000")})
    assert caught.value.detail["reason"] == "拆违拆旧一律无补偿: demolition is never compensated"
    assert caught.value.detail["rule"] == {"id": "demolition.no_compensation", "version": 1, "policy": "demolition"}
    assert caught.value.to_dict()["error"] == "policy_refused"
    assert emitted(session) == events_before
    assert session.scalar(select(func.count()).select_from(models.LedgerEntry).where(
        models.LedgerEntry.kind == "money")) == 0


def test_demolition_of_a_household_in_another_hamlet_is_refused(session, policy, clock, roster_loaded):
    from services.kernel.errors import ValidationFailed
    with pytest.raises(ValidationFailed):
        demolitions.register(session, policy, clock.now(), {
            "structure_type": "pigsty", "area_m2": Decimal("12"), "household_id": "hh4", "hamlet_id": "h2",
            "demolished_on": date(2026, 5, 2)})
