"""四个一律 demolitions: never compensated, land to public use, salvage reused on site."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from services.contributions import demolitions, ledger, models
from services.kernel.errors import PolicyRefused

from tests.support.db import emitted


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
    assert caught.value.detail["reason"].startswith("四个一律：拆违拆旧一律不补偿")
    assert caught.value.detail["rule"] == {"id": "demolition.never_compensated", "version": 1, "policy": "demolition"}
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


def test_the_register_lists_what_stands_until_a_demolition_removes_it(session, policy, clock, roster_loaded):
    """四个一律: the register shows the 一律拆除 structures still standing; a demolition naming one
    marks it removed, and its cleared land is linked to the project that uses it."""
    from services.contributions import projects
    from services.kernel.errors import Conflict
    pigsty = demolitions.list_structure(session, policy, clock.now(), {
        "structure_type": "pigsty", "household_id": "hh2", "area_m2": Decimal("20"), "location": "屋后"})
    shed = demolitions.list_structure(session, policy, clock.now(), {
        "structure_type": "illegal_building", "household_id": "hh3"})
    assert (pigsty.must_remove, shed.must_remove) == (True, False)
    assert (pigsty.status, pigsty.village_id, pigsty.rule["id"]) == ("standing", "v1", "demolition.must_remove")
    standing = demolitions.structures(session, {"status": "standing", "must_remove": True})
    assert [s.id for s in standing] == [pigsty.id]
    projects.register_project(session, clock.now(), {
        "project_id": "p-square", "name": "垸前小广场", "scope": "hamlet", "village_id": "v1", "hamlet_id": "h1",
        "budget": Decimal("1000"), "mix": {"grant": Decimal("0"), "sponsor": Decimal("0"), "crowd": Decimal("1000")}})
    demolition, _ = demolitions.register(session, policy, clock.now(), {
        "structure_id": pigsty.id, "area_m2": Decimal("20"), "demolished_on": date(2026, 5, 3),
        "project_id": "p-square"})
    assert (demolition.household_id, demolition.structure_type, demolition.structure_id) == ("hh2", "pigsty", pigsty.id)
    assert (pigsty.status, pigsty.demolition_id) == ("removed", demolition.id)
    assert demolitions.structures(session, {"status": "standing", "must_remove": True}) == []
    assert session.get(models.Parcel, demolition.parcel_id).project_id == "p-square"
    listed = [d for _, d in emitted(session, "structure.listed")]
    assert [d["status"] for d in listed] == ["standing", "standing", "removed"]
    with pytest.raises(Conflict):
        demolitions.register(session, policy, clock.now(), {
            "structure_id": pigsty.id, "area_m2": Decimal("20"), "demolished_on": date(2026, 5, 3)})


def test_must_remove_follows_the_published_rule(session, clock, roster_loaded):
    from tests.support.policy import FixturePolicy
    policy = FixturePolicy(demolition={"must_remove": ["pigsty", "cowshed", "dry_toilet", "illegal_building"]})
    shed = demolitions.list_structure(session, policy, clock.now(), {
        "structure_type": "illegal_building", "household_id": "hh3"})
    assert shed.must_remove is True


def test_a_donated_plot_is_linked_to_the_project_that_uses_it(session, policy, clock, roster_loaded):
    from services.contributions import projects, recording
    from services.kernel.errors import Conflict, ValidationFailed
    recording.record(session, policy, clock.now(), {"kind": "materials", "household_id": "hh4",
                                                    "land_area_m2": Decimal("80"), "note": "余基空坪"})
    [parcel] = demolitions.parcels(session, "h1")
    for pid, village in (("p-street", "v1"),):
        projects.register_project(session, clock.now(), {
            "project_id": pid, "name": "毕昇老街", "scope": "village", "village_id": village,
            "budget": Decimal("1000"), "mix": {"grant": Decimal("0"), "sponsor": Decimal("0"), "crowd": Decimal("1000")}})
    demolitions.assign_parcel(session, clock.now(), parcel.id, {"project_id": "p-street", "assigned_by": "cadre"})
    assert (parcel.project_id, parcel.assigned_by) == ("p-street", "cadre")
    [(_, event)] = emitted(session, "parcel.assigned")
    assert event["project_id"] == "p-street" and event["origin"] == "donation"
    with pytest.raises(Conflict):
        projects.register_project(session, clock.now(), {
            "project_id": "p-other", "name": "另一个", "scope": "village", "village_id": "v1",
            "budget": Decimal("10"), "mix": {"grant": Decimal("0"), "sponsor": Decimal("0"), "crowd": Decimal("10")}})
        demolitions.assign_parcel(session, clock.now(), parcel.id, {"project_id": "p-other"})
    with pytest.raises(Exception):
        demolitions.assign_parcel(session, clock.now(), parcel.id, {"project_id": "no-such"})
