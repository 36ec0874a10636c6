"""Records refer to what exists: the roster's read model, the representatives register, and the
meetings whose members (and so quorum) come from the registers, never from a typed number."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.kernel.errors import Conflict, ValidationFailed
from services.proposals import decisions, good_deeds, meetings, motions, registers, reports, suggestions

from .builders import VILLAGE, motion_in_deliberation
from .conftest import events, on_roster, outbox_count, tx


def _fields(caught):
    return caught.value.detail["fields"]


@pytest.mark.parametrize("change, field", [
    ({"resident_id": "nobody"}, "resident_id"),
    ({"village_id": "no-such-village"}, "village_id"),
    ({"hamlet_id": "no-such-hamlet"}, "hamlet_id"),
    ({"hamlet_id": "av-1"}, "hamlet_id"),                 # a hamlet of another village
    ({"household_id": "h-ghost"}, "household_id"),
    ({"household_id": "h2"}, "resident_id"),              # r1 lives in h1, not h2
    ({"resident_id": "ren-other"}, "resident_id"),        # a resident of another village
])
def test_a_suggestion_names_only_residents_and_places_on_the_roster(session, clock, change, field):
    data = {"village_id": VILLAGE, "hamlet_id": "g3", "resident_id": "r1", "household_id": "h1",
            "title": "Benches at the pond", **change}
    with pytest.raises(ValidationFailed) as caught:
        tx(session, suggestions.file, clock.now(), data)
    assert field in _fields(caught)
    assert outbox_count(session) == 0


def test_reports_deeds_motions_and_activities_name_only_what_exists(session, clock, policy):
    with pytest.raises(ValidationFailed) as caught:
        tx(session, reports.file, clock.now(), {"village_id": VILLAGE, "resident_id": "ghost", "category": "ditch",
                                                "title": "堵了"})
    assert "resident_id" in _fields(caught)
    with pytest.raises(ValidationFailed) as caught:       # h1 is in g3, not wuguidun-g3
        tx(session, good_deeds.report, policy, clock.now(), {"village_id": VILLAGE, "hamlet_id": "wuguidun-g3",
                                                     "household_id": "h1", "deed_code": "filial_piety",
                                                     "reported_by": "r1"})
    assert "household_id" in _fields(caught)
    with pytest.raises(ValidationFailed) as caught:
        tx(session, motions.create, clock.now(), {"village_id": "nowhere", "scope": "village", "title": "路灯",
                                                  "estimated_budget": 0, "created_by": "c"})
    assert "village_id" in _fields(caught)
    with pytest.raises(ValidationFailed) as caught:
        tx(session, meetings.record_activity, clock.now(), {
            "kind": "learn", "village_id": VILLAGE, "recorded_by": "c",
            "attendance": [{"resident_id": "r1"}, {"resident_id": "invented"}]})
    assert "invented" in _fields(caught)["attendance"][0]
    assert outbox_count(session) == 0


def test_party_members_meeting_counts_the_party_members_on_the_roster(session, policy, clock):
    # the case: 35 typed in where the roster has 3 party members; now the roster says 3
    on_roster(session, {(VILLAGE, "g3"): {"h1": ["r1", "r2"], "h2": ["r3"], "h4": ["r9"]}}, party={"r1", "r3", "r9"})
    major = motion_in_deliberation(session, policy, clock, estimated_budget=Decimal(250000), title="毕昇老街")
    meeting = tx(session, meetings.schedule, clock.now(), {
        "kind": "party_members", "village_id": VILLAGE, "title": "党员会", "agenda": [major.id],
        "created_by": "secretary"})
    assert meeting.members == 3
    with pytest.raises(ValidationFailed) as caught:       # r2 is not a party member
        tx(session, meetings.hold, clock.now(), meeting.id, {"attendance": [{"resident_id": "r1"}, {"resident_id": "r2"}]})
    assert "r2" in _fields(caught)["attendance"][0]
    tx(session, meetings.hold, clock.now(), meeting.id, {"attendance": [{"resident_id": "r1"}]})
    vote = tx(session, decisions.record_vote, policy, clock.now(), meeting.id, major.id,
              {"tally": {"votes_for": 1, "votes_against": 0, "abstain": 0}, "ballots": None, "recorded_by": "s"})
    assert (vote.members, vote.present, vote.outcome) == (3, 1, "no_quorum")   # 1 of 3 is not more than half
    # a roster change: r9 is no longer a party member, the next meeting has 2 members
    on_roster(session, {(VILLAGE, "g3"): {"h4": ["r9"]}})
    second = tx(session, meetings.schedule, clock.now(), {
        "kind": "party_members", "village_id": VILLAGE, "agenda": [major.id], "created_by": "secretary",
        "attendance": [{"resident_id": "r1"}, {"resident_id": "r3"}]})
    assert (second.members, len(second.attendees)) == (2, 2)
    assert [d["attendee_resident_ids"] for _, d in events(session, "meeting.held")][-1] == ["r1", "r3"]


def test_a_body_with_nobody_on_its_register_cannot_meet(session, clock):
    with pytest.raises(ValidationFailed) as caught:
        tx(session, meetings.schedule, clock.now(), {"kind": "representatives", "village_id": VILLAGE,
                                                     "created_by": "secretary"})
    assert "村民代表会议" in _fields(caught)["kind"][0]


def test_representatives_serve_for_their_terms(session, policy, clock):
    today = registers.day_of(clock.now())
    term = {"village_id": VILLAGE, "term_start": today - timedelta(days=30), "term_end": today + timedelta(days=1800),
            "registered_by": "secretary"}
    reps = [tx(session, registers.appoint, clock.now(), {**term, "resident_id": r}) for r in ("r1", "r3", "r9")]
    assert reps[0].name == "r1" and reps[0].hamlet_id == "g3"
    with pytest.raises(Conflict):                          # one term at a time
        tx(session, registers.appoint, clock.now(), {**term, "resident_id": "r1"})
    with pytest.raises(ValidationFailed) as caught:
        tx(session, registers.appoint, clock.now(), {**term, "resident_id": "invented"})
    assert "resident_id" in _fields(caught)
    with pytest.raises(ValidationFailed) as caught:
        tx(session, registers.appoint, clock.now(), {**term, "resident_id": "r2", "term_end": date(2000, 1, 1)})
    assert "term_end" in _fields(caught)
    # r9 stepped down yesterday: the assembly has 2 members, and r9 may not attend it
    tx(session, registers.end_term, reps[2].id, {"ended_on": today - timedelta(days=1), "reason": "外出务工", "by": "s"})
    assert [r.resident_id for r in registers.representatives(session, VILLAGE, today)] == ["r1", "r3"]
    motion = motion_in_deliberation(session, policy, clock, estimated_budget=Decimal(250000), title="毕昇老街")
    assembly = tx(session, meetings.schedule, clock.now(), {"kind": "representatives", "village_id": VILLAGE,
                                                          "agenda": [motion.id], "created_by": "secretary"})
    assert assembly.members == 2
    with pytest.raises(ValidationFailed):
        tx(session, meetings.hold, clock.now(), assembly.id, {"attendance": [{"resident_id": "r9"}]})
    tx(session, meetings.hold, clock.now(), assembly.id, {"attendance": [{"resident_id": "r1"}, {"resident_id": "r3"}]})
    vote = tx(session, decisions.record_vote, policy, clock.now(), assembly.id, motion.id,
              {"tally": {"votes_for": 2, "votes_against": 0, "abstain": 0}, "ballots": None, "recorded_by": "s"})
    assert (vote.members, vote.outcome) == (2, "approved")
    view = registers.representative_view(reps[2], today)
    assert (view["serving"], view["end_reason"]) == (False, "外出务工")


def test_the_roster_replaces_a_households_residents(session, clock):
    on_roster(session, {(VILLAGE, "g3"): {"h1": ["r1", "r1b"]}})   # r2 moved out, r1b moved in
    reg = registers.register(session, "hamlet", VILLAGE, "g3", registers.day_of(clock.now()))
    assert "r2" not in reg.people and reg.people["r1b"] == "h1"
    with pytest.raises(ValidationFailed):
        tx(session, suggestions.file, clock.now(), {"village_id": VILLAGE, "resident_id": "r2", "title": "x"})


def test_a_roster_batch_leaves_the_read_model_as_its_households_one_by_one_would(session, clock):
    """``households.registered`` (a roster import's batch) is applied in a few statements for
    the whole batch, with the same outcome as ``household.registered`` for each household: new
    households and residents added, changed ones updated, a resident no longer listed removed."""
    from sqlalchemy import select

    from services.proposals.models import RosterHousehold, RosterResident
    from tests.support.rosters import registered
    batch = [registered("wuguidun", "g3", "h1", ["r1", "r-new"], party=("r-new",)),  # r2 left h1
             registered("wuguidun", "g4", "h2", ["r3"]),                              # h2 moved to g4
             registered("wuguidun", "g3", "h-batch", ["rb1", "rb2"])]
    batch[0]["head_name"] = "张一"
    registers.households_registered(session, clock.now(), {"households": batch})
    session.commit()

    def stored():
        return ({h.household_id: (h.hamlet_id, h.head_name) for h in session.scalars(select(RosterHousehold))},
                {r.resident_id: (r.household_id, r.hamlet_id, r.is_head, r.party_member)
                 for r in session.scalars(select(RosterResident))})
    households, residents = stored()
    assert households["h1"] == ("g3", "张一") and households["h2"] == ("g4", "r3")
    assert households["h-batch"] == ("g3", "rb1")
    assert "r2" not in residents and residents["r-new"] == ("h1", "g3", False, True)
    assert residents["r3"] == ("h2", "g4", True, False) and residents["rb2"] == ("h-batch", "g3", False, False)
    # the same households one by one: the same read model
    for data in batch:
        registers.household_registered(session, clock.now(), data)
    session.commit()
    assert stored() == (households, residents)
