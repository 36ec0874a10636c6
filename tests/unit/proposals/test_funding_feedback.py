"""project.funded from contributions moves the motion it carries out from funding_requested to
funded, recorded as contributions' step; applied once; other states are not moved by money."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.proposals import motions

from .builders import held_meeting, motion_in_deliberation, tally
from .conftest import START, events, tx


def _approved(session, policy, clock):
    motion = motion_in_deliberation(session, policy, clock)
    hamlet = held_meeting(session, clock, "hamlet", [motion.id], members=50, present=40)
    tally(session, policy, clock, hamlet, motion, 30, 5)
    assert motions.get(session, motion.id).state == "approved"
    return motion


def _funded(motion_id, project_id="p-ditch"):
    return {"project_id": project_id, "hamlet_id": "wuguidun-g3", "village_id": "wuguidun",
            "budget": Decimal("8000.00"), "funded_at": START,
            "raised": {"grant": Decimal("5000.00"), "sponsor": Decimal("1000.00"), "crowd": Decimal("2000.00")},
            "motion_id": motion_id}


def test_a_funded_project_funds_its_motion_once(session, policy, clock):
    motion = _approved(session, policy, clock)
    tx(session, motions.transition, policy, clock.now(), motion.id, "request_funding", "secretary", "grant asked")
    clock.advance(days=3)

    moved = tx(session, motions.project_funded, clock.now(), _funded(motion.id))
    assert moved.state == "funded"
    last = motions.get(session, motion.id).steps[-1]
    assert (last.action, last.from_state, last.to_state, last.by) == ("fund", "funding_requested", "funded",
                                                                       "contributions")
    assert "p-ditch" in last.why and "8000.00" in last.why and last.at == clock.now()
    [(_, emitted)] = [e for e in events(session, "motion.transitioned") if e[1]["to_state"] == "funded"]
    assert emitted["by"] == "contributions"

    steps = len(motions.get(session, motion.id).steps)
    assert tx(session, motions.project_funded, clock.now(), _funded(motion.id)) is None  # a second funding: nothing
    assert len(motions.get(session, motion.id).steps) == steps


@pytest.mark.parametrize("action", [None, "start"])
def test_money_alone_does_not_move_a_motion_that_did_not_ask_for_it(session, policy, clock, action):
    motion = _approved(session, policy, clock)
    if action:
        tx(session, motions.transition, policy, clock.now(), motion.id, action, "secretary", "labour only")
    before = motions.get(session, motion.id).state
    assert tx(session, motions.project_funded, clock.now(), _funded(motion.id)) is None
    assert motions.get(session, motion.id).state == before


def test_projects_without_or_with_an_unknown_motion_change_nothing(session, policy, clock):
    assert tx(session, motions.project_funded, clock.now(), _funded(None)) is None
    assert tx(session, motions.project_funded, clock.now(), _funded("mot-nowhere")) is None
    assert events(session) == []


def test_motion_transitioned_carries_the_matter_class(session, policy, clock):
    motion = _approved(session, policy, clock)
    last = [e for _, e in events(session, "motion.transitioned") if e["motion_id"] == motion.id][-1]
    assert last["to_state"] == "approved" and last["matter"] == "ordinary"
