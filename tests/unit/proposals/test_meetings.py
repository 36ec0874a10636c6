"""议 meetings and 学看讲 activities: attendance is emitted for participation."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.kernel.errors import IllegalTransition, ValidationFailed
from services.kernel.events import get
from services.proposals import meetings, motions

from .builders import HAMLET, VILLAGE, held_meeting, motion_data
from .conftest import events, outbox_count, tx


def test_meeting_held_carries_attendance_for_participation(session, clock):
    motion = tx(session, motions.create, clock.now(), motion_data())
    # 户主会: one seat per household of the hamlet, taken by its head or named by the household
    people = [{"resident_id": "r1", "household_id": "h1"}, {"resident_id": "r3"},
              {"resident_id": None, "household_id": "h4"}]
    meeting = tx(session, meetings.schedule, clock.now(), {
        "kind": "household_heads", "village_id": VILLAGE, "hamlet_id": "g3", "title": "户主会",
        "place": "红星之家", "scheduled_for": datetime(2024, 6, 7, 19, tzinfo=timezone.utc),
        "agenda": [motion.id], "created_by": "head-g3"})
    assert meeting.status == "scheduled" and events(session, "meeting.held") == []
    assert meeting.members == 5      # the hamlet's households on the roster, not a number typed in
    with pytest.raises(ValidationFailed) as err:   # r2 is not a head; h1 already has its seat
        tx(session, meetings.hold, clock.now(), meeting.id, {"attendance": people + [{"resident_id": "r2"}]})
    assert "r2" in err.value.detail["fields"]["attendance"][0]

    tx(session, meetings.hold, clock.now(), meeting.id, {"attendance": people, "minutes": "agreed to clear it"})
    [(_, held)] = events(session, "meeting.held")
    assert held["meeting_id"] == meeting.id and held["kind"] == "household_heads"
    assert (held["village_id"], held["hamlet_id"]) == (VILLAGE, "g3")
    assert held["attendee_household_ids"] == ["h1", "h2", "h4"]   # r3's household from the roster
    assert held["attendee_resident_ids"] == ["r1", "r3"]
    assert held["agenda_motion_ids"] == [motion.id]
    assert held["held_at"] == clock.now().isoformat()
    get("meeting.held").schema().load(held)          # the catalogue's own schema accepts it

    with pytest.raises(IllegalTransition) as err:
        tx(session, meetings.hold, clock.now(), meeting.id, {"attendance": people})
    assert err.value.detail["current"] == "held"
    tx(session, meetings.record_minutes, meeting.id, "corrected minutes")
    assert meetings.get(session, meeting.id).minutes == "corrected minutes"


def test_attendance_is_checked_before_anything_is_written(session, clock):
    before = outbox_count(session)
    with pytest.raises(ValidationFailed) as err:
        held_meeting(session, clock, "hamlet", [], members=5, present=2,
                     attendance=[{"resident_id": "r1"}, {"resident_id": "r1"}])
    assert "attendance" in err.value.detail["fields"]
    with pytest.raises(ValidationFailed):
        held_meeting(session, clock, "representatives", [], members=3, present=4)
    with pytest.raises(ValidationFailed):
        held_meeting(session, clock, "hamlet", ["mot-elsewhere"] * 2, members=5, present=2)
    assert outbox_count(session) == before
    assert meetings.find(session, {"limit": 50, "offset": 0}) == []


def test_minutes_only_after_the_meeting(session, clock):
    meeting = tx(session, meetings.schedule, clock.now(), {
        "kind": "open_air", "village_id": VILLAGE, "hamlet_id": HAMLET, "created_by": "head-g3"})
    with pytest.raises(IllegalTransition):
        tx(session, meetings.record_minutes, meeting.id, "too early")
    tx(session, meetings.cancel, meeting.id)
    with pytest.raises(IllegalTransition) as err:
        tx(session, meetings.hold, clock.now(), meeting.id, {"attendance": [{"resident_id": "r1"}]})
    assert err.value.detail["current"] == "cancelled"


def test_activity_held_counts_like_a_meeting(session, clock):
    activity = tx(session, meetings.record_activity, clock.now(), {
        "kind": "look", "format": "comparison", "village_id": VILLAGE, "hamlet_id": HAMLET,
        "topic": "三比三看: hamlet vs hamlet on environment", "recorded_by": "head-g3",
        "attendance": [{"resident_id": "r1", "household_id": "h1"}, {"resident_id": "r9", "household_id": "h4"}]})
    [(_, held)] = events(session, "activity.held")
    assert (held["activity_id"], held["kind"]) == (activity.id, "look")
    assert held["attendee_household_ids"] == ["h1", "h4"] and held["attendee_resident_ids"] == ["r1", "r9"]
    assert meetings.find_activities(session, {"limit": 10, "offset": 0, "kind": "look"}) == [activity]


def test_quorum_of_a_held_meeting_is_the_quorum_rules_answer(session, clock, policy):
    """半年评议 takes a body's verdict only from a held meeting that met its quorum."""
    met = held_meeting(session, clock, "representatives", [], members=30, present=20)
    short = held_meeting(session, clock, "representatives", [], members=30, present=19)
    answer = meetings.quorum(session, policy, met.id)
    assert (answer["quorum_met"], answer["body"], answer["present"], answer["members"]) == (
        True, "representatives_assembly", 20, 30)
    assert answer["rule"]["id"] == "quorum.quorum_only" and answer["village_id"] == VILLAGE
    refused = meetings.quorum(session, policy, short.id)
    assert refused["quorum_met"] is False and refused["rule"]["id"] == "quorum.no_quorum"
    assert "19" in refused["reason"]
    talk = held_meeting(session, clock, "open_air", [], members=None, present=5)
    assert meetings.quorum(session, policy, talk.id)["quorum_met"] is False
    planned = tx(session, meetings.schedule, clock.now(), {
        "kind": "representatives", "village_id": VILLAGE, "title": "村民代表会议", "agenda": [],
        "created_by": "secretary"})   # scheduled, not held: no verdict can come from it
    assert meetings.quorum(session, policy, planned.id)["quorum_met"] is False
