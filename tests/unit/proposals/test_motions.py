"""垸组提议 lifecycle: every step recorded (who, when, why) and emitted; illegal steps refused."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.kernel.errors import IllegalTransition, NotFound, ValidationFailed
from services.proposals import motions, suggestions
from services.proposals.lifecycle import MOTION

from .builders import HAMLET, VILLAGE, motion_data
from .conftest import events, outbox_count, tx


def _suggestion(session, clock, title="Fix the old street", village=VILLAGE):
    return tx(session, suggestions.file, clock.now(), {"village_id": village, "hamlet_id": HAMLET,
                                                  "resident_id": "peng-naiguo", "title": title})


def test_motion_from_suggestions_answers_them_when_raised(session, policy, clock):
    first, second = _suggestion(session, clock), _suggestion(session, clock, "Keep the millstones")
    motion = tx(session, motions.create, clock.now(), motion_data(suggestion_ids=[first.id, second.id]))
    assert motion.state == "draft" and {s.id for s in motion.suggestions} == {first.id, second.id}
    assert suggestions.get(session, first.id).status == "open"     # answered when raised

    clock.advance(hours=2)
    tx(session, motions.transition, policy, clock.now(), motion.id, "raise", "head-g3", "two suggestions")
    for s in (first, second):
        answered = suggestions.get(session, s.id)
        assert (answered.status, answered.outcome, answered.motion_id) == ("answered", "adopted", motion.id)
    assert len(events(session, "suggestion.answered")) == 2


def test_every_step_is_recorded_and_emitted(session, policy, clock):
    motion = tx(session, motions.create, clock.now(), motion_data())
    for action, by, why in [("raise", "head-g3", "hamlet meeting asked"),
                            ("deliberate", "secretary", "on the agenda")]:
        clock.advance(hours=1)
        tx(session, motions.transition, policy, clock.now(), motion.id, action, by, why)
    steps = motions.get(session, motion.id).steps
    assert [(s.seq, s.action, s.from_state, s.to_state, s.by) for s in steps] == [
        (1, "create", None, "draft", "head-g3"),
        (2, "raise", "draft", "raised", "head-g3"),
        (3, "deliberate", "raised", "in_deliberation", "secretary")]
    assert steps[1].why == "hamlet meeting asked" and steps[2].at == clock.now()
    emitted = events(session, "motion.transitioned")
    assert [(e["action"], e["from_state"], e["to_state"], e["by"]) for _, e in emitted] == \
        [(s.action, s.from_state, s.to_state, s.by) for s in steps]
    assert emitted[1][1]["estimated_budget"] == "8000.00"


def test_raise_classifies_the_matter_by_rule(session, policy, clock):
    small = tx(session, motions.create, clock.now(), motion_data(estimated_budget=Decimal("99999.99")))
    big = tx(session, motions.create, clock.now(), motion_data(estimated_budget=Decimal("100000")))
    for m in (small, big):
        tx(session, motions.transition, policy, clock.now(), m.id, "raise", "head-g3", "")
    assert (small.matter, big.matter) == ("ordinary", "major")
    assert ("major_matter", {"scope": "hamlet", "kind": "other", "estimated_budget": 100000}) in policy.calls
    assert big.matter_rule["version"] == 1


def test_illegal_step_names_current_and_allowed_and_writes_nothing(session, policy, clock):
    motion = tx(session, motions.create, clock.now(), motion_data())
    before = outbox_count(session)
    with pytest.raises(IllegalTransition) as err:
        tx(session, motions.transition, policy, clock.now(), motion.id, "fund", "town", "")
    assert err.value.detail["current"] == "draft"
    assert err.value.detail["requested"] == "fund"
    assert err.value.detail["allowed"] == ["raise", "withdraw"]
    assert outbox_count(session) == before and len(motions.get(session, motion.id).steps) == 1


def test_callers_cannot_approve_only_votes_do(session, policy, clock):
    motion = tx(session, motions.create, clock.now(), motion_data())
    tx(session, motions.transition, policy, clock.now(), motion.id, "raise", "head-g3", "")
    tx(session, motions.transition, policy, clock.now(), motion.id, "deliberate", "secretary", "")
    with pytest.raises(IllegalTransition) as err:
        tx(session, motions.transition, policy, clock.now(), motion.id, "approve", "secretary", "")
    assert err.value.detail["allowed"] == ["vote", "withdraw"]


def test_missing_motion_and_suggestion(session, policy, clock):
    with pytest.raises(NotFound):
        tx(session, motions.transition, policy, clock.now(), "mot-nope", "raise", "x", "")
    with pytest.raises(NotFound):
        tx(session, motions.create, clock.now(), motion_data(suggestion_ids=["sug-nope"]))


def test_suggestion_from_another_village_or_already_used_is_refused(session, clock):
    elsewhere = _suggestion(session, clock, village="another-village")
    with pytest.raises(ValidationFailed):
        tx(session, motions.create, clock.now(), motion_data(suggestion_ids=[elsewhere.id]))
    mine = _suggestion(session, clock)
    tx(session, motions.create, clock.now(), motion_data(suggestion_ids=[mine.id]))
    with pytest.raises(ValidationFailed):
        tx(session, motions.create, clock.now(), motion_data(suggestion_ids=[mine.id]))


def test_lifecycle_table():
    assert MOTION.states == {"draft", "raised", "in_deliberation", "approved", "rejected",
                             "funding_requested", "funded", "in_progress", "completed",
                             "reviewed", "withdrawn"}
    assert {s for s in MOTION.states if MOTION.terminal(s)} == {"rejected", "reviewed", "withdrawn"}
    # every state is reachable from draft
    seen, todo = {"draft"}, ["draft"]
    while todo:
        for target in MOTION.transitions[todo.pop()].values():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == MOTION.states


def test_the_allowed_steps_are_the_specified_ones():
    assert {state: MOTION.steps(state) for state in sorted(MOTION.states)} == {
        "approved": ["request_funding", "start", "withdraw"],
        "completed": ["review"],
        "draft": ["raise", "withdraw"],
        "funded": ["start"],
        "funding_requested": ["fund", "withdraw"],
        "in_deliberation": ["vote", "withdraw"],
        "in_progress": ["complete"],
        "raised": ["deliberate", "withdraw"],
        "rejected": [],
        "reviewed": [],
        "withdrawn": [],
    }
