"""Issue 16's policy choices in co-planning: a matter's kind makes it major (一切重大事务经过
党员会、代表会), and residents' endorsements (one per household) make a motion urgent."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.kernel.errors import Conflict, ValidationFailed
from services.proposals import endorsements, motions, suggestions

from tests.support.policy import FixturePolicy

from .builders import HAMLET, VILLAGE, motion_data
from .conftest import events, tx

BOTH = ["party_members_meeting", "representatives_assembly"]


def _raised(session, policy, clock, **over):
    motion = tx(session, motions.create, clock.now(), motion_data(**over))
    tx(session, motions.transition, policy, clock.now(), motion.id, "raise", "head-g3", "")
    return motion


def test_a_major_kind_goes_to_both_bodies_whatever_its_budget(session, policy, clock):
    road = _raised(session, policy, clock, kind="public_works", estimated_budget=Decimal("8000"))
    ditch = _raised(session, policy, clock, kind="hamlet_affairs", estimated_budget=Decimal("8000"))
    unsaid = _raised(session, policy, clock, estimated_budget=Decimal("8000"))
    assert (road.matter, road.required_bodies, road.matter_rule["id"]) == ("major", BOTH, "major_matter.kind")
    assert (ditch.matter, unsaid.matter, unsaid.kind) == ("ordinary", "ordinary", "other")
    raised = [d for _, d in events(session, "motion.transitioned") if d["action"] == "raise"]
    assert [(d["kind"], d["matter"]) for d in raised] == [
        ("public_works", "major"), ("hamlet_affairs", "ordinary"), ("other", "ordinary")]


def test_the_kinds_and_their_budget_floor_are_the_rule_files(session, clock):
    """Policy staff choose: only land is major, and only from 5 000 yuan."""
    policy = FixturePolicy(major_matter={"major_kinds": ["land"], "major_kind_min_budget_yuan": 5000})
    road = _raised(session, policy, clock, kind="public_works", estimated_budget=Decimal("8000"))
    small_land = _raised(session, policy, clock, kind="land", estimated_budget=Decimal("4999"))
    land = _raised(session, policy, clock, kind="land", estimated_budget=Decimal("5000"))
    assert (road.matter, small_land.matter, land.matter) == ("ordinary", "ordinary", "major")


def _suggestion(session, clock, resident="r1"):
    return tx(session, suggestions.file, clock.now(), {
        "village_id": VILLAGE, "hamlet_id": HAMLET, "resident_id": resident, "title": "门前的沟该清了"})


def _endorse(session, clock, kind, target, household):
    return tx(session, endorsements.endorse, clock.now(), kind, target.id,
              {"household_id": household, "endorsed_by": f"token:{household}"})


def test_one_endorsement_per_household_and_the_motion_counts_its_suggestions_endorsers(session, policy, clock):
    suggestion = _suggestion(session, clock)
    for household in ("hh1", "hh2"):
        _endorse(session, clock, "suggestion", suggestion, household)
    with pytest.raises(Conflict, match="一户一票"):
        _endorse(session, clock, "suggestion", suggestion, "hh1")
    assert events(session, "motion.urgency_changed") == []   # in no motion yet
    motion = tx(session, motions.create, clock.now(), motion_data(suggestion_ids=[suggestion.id]))
    assert motion.endorsing_households == 2                  # its suggestion's endorsers stand behind it
    _endorse(session, clock, "motion", motion, "hh2")         # the same household again: still 2
    _endorse(session, clock, "motion", motion, "hh3")
    assert motion.endorsing_households == 3
    changes = [d["endorsing_households"] for _, d in events(session, "motion.urgency_changed")]
    assert changes == [2, 3]
    recorded = [d for _, d in events(session, "endorsement.recorded")]
    assert [(d["target_type"], d["household_id"], d["endorsements"]) for d in recorded] == [
        ("suggestion", "hh1", 1), ("suggestion", "hh2", 2), ("motion", "hh2", 1), ("motion", "hh3", 2)]
    assert recorded[-1]["motion_endorsing_households"] == 3
    assert sorted(e.household_id for e in endorsements.listing(session, "motion", motion.id)) == ["hh2", "hh3"]


def test_an_endorsement_needs_the_household_and_an_open_item(session, policy, clock):
    suggestion = _suggestion(session, clock)
    with pytest.raises(ValidationFailed) as caught:
        tx(session, endorsements.endorse, clock.now(), "suggestion", suggestion.id,
           {"household_id": None, "endorsed_by": "token:cadre"})
    assert "household_id" in caught.value.detail["fields"]
    motion = _raised(session, policy, clock)
    tx(session, motions.transition, policy, clock.now(), motion.id, "withdraw", "head-g3", "不做了")
    with pytest.raises(Conflict):
        _endorse(session, clock, "motion", motion, "hh1")
