"""Property: no sequence of commands leaves a motion in an illegal state.

Random sequences of lifecycle steps (including the internal approve/reject a caller must not
take) and votes of the three kinds of body, with random outcomes, on an ordinary or a major
matter. After every command the stored motion must be explainable by the lifecycle table and
the decision rule alone.
"""
from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.kernel.clock import FixedClock
from services.kernel.errors import Conflict, IllegalTransition
from services.proposals import decisions, motions
from services.proposals.lifecycle import MOTION

from .builders import held_meeting, motion_data
from .conftest import START, events, make_session, tx
from .fake_policy import OrganicLawPolicy

ACTIONS = sorted({a for t in MOTION.transitions.values() for a in t})
KINDS = {"party_members": "party_members_meeting", "representatives": "representatives_assembly",
         "hamlet": "hamlet_meeting"}
# (for, against) out of 30 present of 40 members, or 10 present: no quorum in any body
OUTCOMES = {"approved": (30, 20, 5), "rejected": (30, 5, 20), "no_quorum": (10, 10, 0)}

commands = st.one_of(
    st.tuples(st.just("step"), st.sampled_from(ACTIONS)),
    st.tuples(st.just("vote"), st.sampled_from(sorted(KINDS)), st.sampled_from(sorted(OUTCOMES))),
)


def check_invariants(session, motion_id):
    motion = motions.get(session, motion_id)
    steps = motion.steps
    assert motion.state in MOTION.states
    assert (steps[0].action, steps[0].from_state, steps[0].to_state) == ("create", None, "draft")
    for before, after in zip(steps, steps[1:]):
        assert after.from_state == before.to_state
        assert MOTION.transitions[after.from_state][after.action] == after.to_state
        assert after.seq == before.seq + 1
    assert motion.state == steps[-1].to_state
    assert len(events(session, "motion.transitioned")) == len(steps)
    decided = [s for s in steps if s.action in ("approve", "reject")]
    assert len(decided) <= 1 and len(events(session, "motion.decided")) == len(decided)
    results = decisions.body_results(session, motion)
    if decided:
        expected = "approved" if decided[0].action == "approve" else "rejected"
        assert decisions.verdict(results) == expected
    elif motion.state == "in_deliberation":
        assert decisions.verdict(results) is None       # a decisive standing never lingers
    return motion


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(major=st.booleans(), script=st.lists(commands, max_size=20))
def test_random_commands_never_leave_a_motion_in_an_illegal_state(major, script):
    session, clock, policy = make_session(), FixedClock(START), OrganicLawPolicy()
    try:
        budget = Decimal("250000") if major else Decimal("6000")
        motion = tx(session, motions.create, clock.now(), motion_data(estimated_budget=budget))
        decided_bodies = set()
        for command in script:
            clock.advance(minutes=5)
            state = motions.get(session, motion.id).state
            if command[0] == "step":
                action = command[1]
                allowed = action in MOTION.transitions[state] and action not in MOTION.internal
                try:
                    tx(session, motions.transition, policy, clock.now(), motion.id, action, "cadre", "why")
                    assert allowed, f"{action} from {state} was accepted"
                except IllegalTransition as exc:
                    assert not allowed, f"{action} from {state} was refused"
                    assert exc.detail["current"] == state
                    assert exc.detail["allowed"] == MOTION.steps(state)
            else:
                _, kind, outcome = command
                present, votes_for, against = OUTCOMES[outcome]
                meeting = held_meeting(session, clock, kind, [motion.id], members=40, present=present)
                try:
                    tx(session, decisions.record_vote, policy, clock.now(), meeting.id, motion.id, {
                        "tally": {"votes_for": votes_for, "votes_against": against, "abstain": 0},
                        "ballots": None, "recorded_by": "secretary"})
                    assert state == "in_deliberation" and KINDS[kind] not in decided_bodies
                    if outcome != "no_quorum":
                        decided_bodies.add(KINDS[kind])
                except IllegalTransition:
                    assert state != "in_deliberation"
                except Conflict:
                    assert KINDS[kind] in decided_bodies
            check_invariants(session, motion.id)
    finally:
        session.close()
        session.get_bind().dispose()
