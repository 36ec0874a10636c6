"""议 meetings and 学/看/讲 activities, with their attendance.

Attendance is participation: ``meeting.held`` and ``activity.held`` carry the attending
households and residents, and the contributions service counts them toward the hamlet's
participation rate ("哪个垸组积极性高，哪个垸组先立项").
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.clock import iso
from services.kernel.policy import decide, rule_ref
from services.kernel.db import get_or_404, listing
from services.kernel.errors import invalid
from services.kernel.ids import new_id

from .lifecycle import MEETING
from .models import Activity, AgendaItem, Attendance, Meeting, Motion

# The body each meeting kind is, when it votes. 场子会/院子会 discuss but do not vote.
BODY_OF = {
    "villagers": "villagers_meeting",
    "representatives": "representatives_assembly",
    "party_members": "party_members_meeting",
    "hamlet": "hamlet_meeting",
    "household_heads": "household_heads_meeting",
}
HAMLET_KINDS = {"household_heads", "hamlet", "open_air", "courtyard"}


def schedule(session: Session, now, data: dict) -> Meeting:
    """Schedule a meeting; with ``attendance`` in ``data`` it is recorded as held at once."""
    agenda = _agenda(session, data["village_id"], data.get("agenda", []))
    if "attendance" in data:
        _check_attendance(data["attendance"], data.get("members"))
    meeting = Meeting(
        id=new_id("mtg"), kind=data["kind"], village_id=data["village_id"],
        hamlet_id=data.get("hamlet_id"), title=data.get("title", ""), place=data.get("place", ""),
        scheduled_for=data.get("scheduled_for") or now, members=data.get("members"),
        households=data.get("households"), status=MEETING.initial,
        minutes="", created_by=data["created_by"])
    meeting.agenda = [AgendaItem(motion_id=m.id, position=i) for i, m in enumerate(agenda)]
    session.add(meeting)
    session.flush()
    if "attendance" in data:
        _hold(session, now, meeting, data)
    return meeting


def hold(session: Session, now, meeting_id: str, data: dict) -> Meeting:
    """Record that the meeting took place: who attended, and optionally the minutes."""
    meeting = get(session, meeting_id)
    MEETING.next(meeting.status, "hold")
    _check_attendance(data["attendance"], meeting.members)
    return _hold(session, now, meeting, data)


def cancel(session: Session, meeting_id: str) -> Meeting:
    meeting = get(session, meeting_id)
    meeting.status = MEETING.next(meeting.status, "cancel")
    return meeting


def record_minutes(session: Session, meeting_id: str, minutes: str) -> Meeting:
    meeting = get(session, meeting_id)
    if meeting.status != "held":
        raise MEETING.refuse(meeting.status, "record_minutes")
    meeting.minutes = minutes
    return meeting


def _hold(session, now, meeting, data) -> Meeting:
    meeting.status = MEETING.next(meeting.status, "hold")
    meeting.held_at = data.get("held_at") or now
    if data.get("minutes"):
        meeting.minutes = data["minutes"]
    meeting.attendees = [Attendance(resident_id=a.get("resident_id"), household_id=a.get("household_id"))
                         for a in data["attendance"]]
    session.flush()
    households, residents = attendee_ids(meeting.attendees)
    outbox.emit(session, "meeting.held", {
        "meeting_id": meeting.id, "kind": meeting.kind, "village_id": meeting.village_id,
        "hamlet_id": meeting.hamlet_id, "held_at": iso(meeting.held_at), "place": meeting.place,
        "agenda_motion_ids": [item.motion_id for item in meeting.agenda],
        "attendee_household_ids": households, "attendee_resident_ids": residents,
    }, subject=meeting.id)
    return meeting


def quorum_facts(meeting: Meeting, body: str) -> dict:
    """The quorum rule's facts of a held meeting: its members, who came, and its households."""
    facts = {"body": body, "members": meeting.members, "present": len(meeting.attendees)}
    if meeting.households is not None:
        households, _ = attendee_ids(meeting.attendees)
        facts.update(households=meeting.households, households_present=len(households))
    return facts


def quorum(session: Session, policy, meeting_id: str) -> dict:
    """Whether a meeting was held and met its quorum, by the quorum rule (attendance only, no
    votes): what another service asks before it takes a body's verdict from this meeting
    (半年评议). A meeting that was not held, or does not vote, or has no member count, did
    not meet a quorum, and ``reason`` says why."""
    meeting = get(session, meeting_id)
    body = BODY_OF.get(meeting.kind)
    out = {"meeting_id": meeting.id, "kind": meeting.kind, "body": body, "village_id": meeting.village_id,
           "hamlet_id": meeting.hamlet_id, "status": meeting.status,
           "held_at": iso(meeting.held_at) if meeting.held_at else None, "members": meeting.members,
           "present": len(meeting.attendees) if meeting.status == "held" else 0,
           "quorum_met": False, "reason": "", "rule": None}
    if meeting.status != "held":
        return {**out, "reason": f"会议状态为 {meeting.status}，还没有召开 (the meeting was not held)"}
    if body is None:
        return {**out, "reason": f"{meeting.kind} 会议只议事不表决 (this kind of meeting does not vote)"}
    if meeting.members is None:
        return {**out, "reason": "会议没有应到人数，无法判断法定人数 (no member count)"}
    decision = decide(policy, "quorum", quorum_facts(meeting, body), {"quorum_met", "no_quorum"})
    return {**out, "quorum_met": decision["outcome"] == "quorum_met", "reason": decision["reason"],
            "rule": rule_ref(decision)}


def record_activity(session: Session, now, data: dict) -> Activity:
    """学 study session / 看 visit or 三比三看 comparison / 讲 talk, with who came."""
    _check_attendance(data["attendance"], None)
    activity = Activity(
        id=new_id("act"), kind=data["kind"], format=data.get("format", ""),
        village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
        topic=data.get("topic", ""), place=data.get("place", ""),
        held_at=data.get("held_at") or now, notes=data.get("notes", ""),
        recorded_by=data["recorded_by"])
    activity.attendees = [Attendance(resident_id=a.get("resident_id"), household_id=a.get("household_id"))
                          for a in data["attendance"]]
    session.add(activity)
    session.flush()
    households, residents = attendee_ids(activity.attendees)
    outbox.emit(session, "activity.held", {
        "activity_id": activity.id, "kind": activity.kind, "village_id": activity.village_id,
        "hamlet_id": activity.hamlet_id, "held_at": iso(activity.held_at), "place": activity.place,
        "topic": activity.topic, "attendee_household_ids": households,
        "attendee_resident_ids": residents}, subject=activity.id)
    return activity


def attendee_ids(rows) -> tuple[list[str], list[str]]:
    households = sorted({r.household_id for r in rows if r.household_id})
    residents = sorted({r.resident_id for r in rows if r.resident_id})
    return households, residents


def _check_attendance(entries: list[dict], members: int | None) -> None:
    """One entry per person (or per household, at a household-heads meeting), no one twice."""
    seen_residents, seen_households_only = set(), set()
    for index, entry in enumerate(entries):
        resident, household = entry.get("resident_id"), entry.get("household_id")
        if resident:
            if resident in seen_residents:
                raise invalid("attendance", f"resident {resident} is listed twice (entry {index})")
            seen_residents.add(resident)
        else:
            if household in seen_households_only:
                raise invalid("attendance", f"household {household} is listed twice (entry {index})")
            seen_households_only.add(household)
    if members is not None and len(entries) > members:
        raise invalid("attendance", f"{len(entries)} attendees but the body has {members} members")


def _agenda(session, village_id: str, motion_ids: list[str]) -> list[Motion]:
    if len(set(motion_ids)) != len(motion_ids):
        raise invalid("agenda", "a motion is on the agenda twice")
    motions = []
    for motion_id in motion_ids:
        motion = get_or_404(session, Motion, motion_id, "motion")
        if motion.village_id != village_id:
            raise invalid("agenda", f"motion {motion_id} belongs to another village")
        motions.append(motion)
    return motions


def get(session: Session, meeting_id: str) -> Meeting:
    return get_or_404(session, Meeting, meeting_id, "meeting")


def get_activity(session: Session, activity_id: str) -> Activity:
    return get_or_404(session, Activity, activity_id, "activity")


def find(session: Session, query: dict) -> list[Meeting]:
    stmt = select(Meeting)
    if query.get("motion_id"):
        stmt = stmt.where(Meeting.id.in_(select(AgendaItem.meeting_id)
                                         .where(AgendaItem.motion_id == query["motion_id"])))
    return listing(session, Meeting, query, ("village_id", "hamlet_id", "kind", "status"),
                   Meeting.scheduled_for, stmt)


def find_activities(session: Session, query: dict) -> list[Activity]:
    return listing(session, Activity, query, ("village_id", "hamlet_id", "kind"), Activity.held_at)
