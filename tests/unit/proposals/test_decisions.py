"""民主定: which bodies decide, quorum and majority at their exact boundaries, tallies."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.kernel.errors import Conflict, IllegalTransition, ValidationFailed
from services.proposals import decisions, motions

from .builders import held_meeting, motion_in_deliberation, tally
from .conftest import events, outbox_count, tx


@pytest.fixture
def major(session, policy, clock):
    return motion_in_deliberation(session, policy, clock, scope="village", hamlet_id=None,
                                  title="毕昇老街 Bisheng Old Street renovation",
                                  estimated_budget=Decimal("350000"))


def test_major_matter_needs_both_bodies(session, policy, clock, major):
    assert major.matter == "major"
    assert major.required_bodies == ["party_members_meeting", "representatives_assembly"]
    assert major.matter_rule == {"id": "major_matter.budget", "version": 1, "policy": "major_matter"}

    party = held_meeting(session, clock, "party_members", [major.id], members=40, present=30)
    vote = tally(session, policy, clock, party, major, 25, 3, 2)
    assert (vote.outcome, vote.counts) == ("approved", True)
    # Approved by only one of the two bodies: still undecided.
    assert motions.get(session, major.id).state == "in_deliberation"
    assert events(session, "motion.decided") == []

    reps = held_meeting(session, clock, "representatives", [major.id], members=30, present=24)
    tally(session, policy, clock, reps, major, 20, 4)
    assert motions.get(session, major.id).state == "approved"
    [(_, decided)] = events(session, "motion.decided")
    assert decided["outcome"] == "approved" and decided["matter"] == "major"
    assert decided["rule"] == {"id": "major_matter.budget", "version": 1, "policy": "major_matter"}
    assert [(b["body"], b["outcome"]) for b in decided["bodies"]] == [
        ("party_members_meeting", "approved"), ("representatives_assembly", "approved")]
    assert all(b["rule"]["id"].startswith("quorum.") for b in decided["bodies"])
    last = motions.get(session, major.id).steps[-1]
    assert (last.action, last.from_state, last.to_state) == ("approve", "in_deliberation", "approved")


def test_hamlet_vote_on_a_major_matter_is_recorded_but_does_not_decide(session, policy, clock, major):
    hamlet = held_meeting(session, clock, "hamlet", [major.id], members=50, present=40)
    vote = tally(session, policy, clock, hamlet, major, 40)
    assert (vote.outcome, vote.counts) == ("approved", False)
    assert motions.get(session, major.id).state == "in_deliberation"


def test_one_required_body_rejecting_rejects(session, policy, clock, major):
    reps = held_meeting(session, clock, "representatives", [major.id], members=30, present=21)
    tally(session, policy, clock, reps, major, 9, 12)
    motion = motions.get(session, major.id)
    assert motion.state == "rejected"
    [(_, decided)] = events(session, "motion.decided")
    assert [(b["body"], b["outcome"]) for b in decided["bodies"]] == [
        ("party_members_meeting", None), ("representatives_assembly", "rejected")]


def test_ordinary_matter_is_decided_by_the_hamlet_meeting(session, policy, clock):
    motion = motion_in_deliberation(session, policy, clock)
    assert (motion.matter, motion.required_bodies) == ("ordinary", ["hamlet_meeting"])
    hamlet = held_meeting(session, clock, "hamlet", [motion.id], members=60, present=40)
    tally(session, policy, clock, hamlet, motion, 21, 12, 7)
    assert motions.get(session, motion.id).state == "approved"


@pytest.mark.parametrize("present, outcome", [(20, "approved"), (19, "no_quorum")])
def test_assembly_quorum_is_two_thirds_of_members(session, policy, clock, major, present, outcome):
    reps = held_meeting(session, clock, "representatives", [major.id], members=30, present=present)
    assert tally(session, policy, clock, reps, major, present).outcome == outcome


@pytest.mark.parametrize("present, outcome", [(40, "approved"), (39, "no_quorum")])
def test_hamlet_meeting_quorum_is_two_thirds(session, policy, clock, present, outcome):
    # 组织法第二十八条: two thirds of the group's adults (or of its households' representatives)
    motion = motion_in_deliberation(session, policy, clock)
    hamlet = held_meeting(session, clock, "hamlet", [motion.id], members=60, present=present)
    assert tally(session, policy, clock, hamlet, motion, present).outcome == outcome


@pytest.mark.parametrize("households_present, outcome", [(20, "approved"), (19, "no_quorum")])
def test_or_two_thirds_of_households(session, policy, clock, households_present, outcome):
    # 100 adults, 30 households: two people from each of the households present is 40 adults,
    # short of half, but 20 of 30 households is two thirds, which is a quorum.
    motion = motion_in_deliberation(session, policy, clock)
    people = [{"resident_id": f"r{h}-{i}", "household_id": f"h{h}"}
              for h in range(households_present) for i in range(2)]
    hamlet = held_meeting(session, clock, "hamlet", [motion.id], members=100, present=len(people),
                          households=30, attendance=people)
    assert tally(session, policy, clock, hamlet, motion, len(people)).outcome == outcome
    area, facts = policy.calls[-1]
    assert (area, facts["households"], facts["households_present"]) == ("quorum", 30, households_present)


@pytest.mark.parametrize("votes_for, against, abstain, outcome", [
    (11, 9, 0, "approved"),       # more than half of the 20 present
    (10, 9, 1, "rejected"),       # exactly half is not a majority
    (10, 0, 10, "rejected"),      # abstentions count as present, not as for
])
def test_majority_of_those_present(session, policy, clock, major, votes_for, against, abstain, outcome):
    reps = held_meeting(session, clock, "representatives", [major.id], members=30, present=20)
    assert tally(session, policy, clock, reps, major, votes_for, against, abstain).outcome == outcome


def test_tally_larger_than_attendance_is_refused_and_nothing_is_written(session, policy, clock, major):
    reps = held_meeting(session, clock, "representatives", [major.id], members=30, present=20)
    before = outbox_count(session)
    with pytest.raises(ValidationFailed) as err:
        tally(session, policy, clock, reps, major, 15, 5, 1)
    assert "tally" in err.value.detail["fields"]
    assert outbox_count(session) == before
    assert decisions.votes_of(session, major.id) == []


def test_ballots_only_from_attendees_and_once_each(session, policy, clock, major):
    reps = held_meeting(session, clock, "representatives", [major.id], members=30, present=20, prefix="rep")

    def ballots(items):
        return tx(session, decisions.record_vote, policy, clock.now(), reps.id, major.id,
                  {"ballots": [{"voter_id": v, "choice": c} for v, c in items], "tally": None,
                   "recorded_by": "secretary"})

    with pytest.raises(ValidationFailed, match="invalid input") as err:
        ballots([("stranger", "for")])
    assert "did not attend" in err.value.detail["fields"]["ballots"][0]
    with pytest.raises(ValidationFailed) as err:
        ballots([("rep1", "for"), ("rep1", "against")])
    assert "twice" in err.value.detail["fields"]["ballots"][0]
    vote = ballots([(f"rep{i}", "for") for i in range(14)] + [("rep14", "against"), ("rep15", "abstain")])
    assert (vote.method, vote.votes_for, vote.votes_against, vote.abstain, vote.present) == \
        ("ballots", 14, 1, 1, 20)
    assert len(vote.ballots) == 16


def test_vote_needs_a_motion_in_deliberation_on_the_agenda(session, policy, clock, major):
    other = motion_in_deliberation(session, policy, clock, title="Street lamps")
    reps = held_meeting(session, clock, "representatives", [major.id], members=30, present=20)
    with pytest.raises(ValidationFailed) as err:
        tally(session, policy, clock, reps, other, 20)
    assert "motion_id" in err.value.detail["fields"]

    tx(session, motions.transition, policy, clock.now(), major.id, "withdraw", "secretary", "merged")
    with pytest.raises(IllegalTransition) as err:
        tally(session, policy, clock, reps, major, 20)
    assert err.value.detail["current"] == "withdrawn" and err.value.detail["allowed"] == []


def test_courtyard_meetings_discuss_but_do_not_vote(session, policy, clock):
    motion = motion_in_deliberation(session, policy, clock)
    courtyard = held_meeting(session, clock, "courtyard", [motion.id], members=None, present=12)
    with pytest.raises(ValidationFailed) as err:
        tally(session, policy, clock, courtyard, motion, 12)
    assert "meeting_id" in err.value.detail["fields"]


def test_a_body_cannot_decide_twice_but_may_revote_without_quorum(session, policy, clock, major):
    first = held_meeting(session, clock, "party_members", [major.id], members=40, present=15)
    assert tally(session, policy, clock, first, major, 15).outcome == "no_quorum"
    with pytest.raises(Conflict):
        tally(session, policy, clock, first, major, 15)        # the same meeting again
    second = held_meeting(session, clock, "party_members", [major.id], members=40, present=30)
    assert tally(session, policy, clock, second, major, 28).outcome == "approved"
    third = held_meeting(session, clock, "party_members", [major.id], members=40, present=30)
    with pytest.raises(Conflict):
        tally(session, policy, clock, third, major, 1, 29)
    assert motions.get(session, major.id).state == "in_deliberation"
