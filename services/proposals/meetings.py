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

from . import registers
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
    """Schedule a meeting; with ``attendance`` in ``data`` it is recorded as held at once.

    Its members are the body's register (``registers``), never a number typed in."""
    registers.place(session, data)
    agenda = _agenda(session, data["village_id"], data.get("agenda", []))
    scheduled_for = data.get("scheduled_for") or now
    held_at = data.get("held_at") or now
    reg = _register(session, data["kind"], data["village_id"], data.get("hamlet_id"),
                    held_at if "attendance" in data else scheduled_for)
    if "attendance" in data:
        data = {**data, "attendance": registers.check_attendance(reg, data["attendance"])}
    meeting = Meeting(
        id=new_id("mtg"), kind=data["kind"], village_id=data["village_id"],
        hamlet_id=data.get("hamlet_id"), title=data.get("title", ""), place=data.get("place", ""),
        scheduled_for=scheduled_for, status=MEETING.initial,
        minutes="", created_by=data["created_by"])
    _members(meeting, reg)
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
    # the register as it stands on the day the meeting is held (a term may have begun or ended)
    reg = _register(session, meeting.kind, meeting.village_id, meeting.hamlet_id, data.get("held_at") or now)
    data = {**data, "attendance": registers.check_attendance(reg, data["attendance"])}
    _members(meeting, reg)
    return _hold(session, now, meeting, data)


def _register(session: Session, kind: str, village_id: str, hamlet_id, moment) -> registers.Register:
    """The body's register; a body that votes with nobody on it cannot meet."""
    reg = registers.register(session, kind, village_id, hamlet_id, registers.day_of(moment),
                             votes=kind in BODY_OF)
    if kind in BODY_OF and reg.members == 0:
        raise invalid("kind", f"{registers.BODY_NAMES[kind]}的名册上没有成员：先在花名册或村民代表名册上登记 "
                              "(the body's register is empty)")
    return reg


def _members(meeting: Meeting, reg: registers.Register) -> None:
    """应到: the register's size (people, or households at a 户主会) and, where the quorum rule
    also counts households (村民会议, 垸组会), the households."""
    meeting.members = reg.members or None
    meeting.households = (len(reg.households) or None) if reg.households is not None and not reg.by_household else None


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
    """学 study session / 看 visit or 三比三看 comparison / 讲 talk, with who came (residents
    and households of the village's roster)."""
    registers.place(session, data)
    data = {**data, "attendance": registers.check_attendance(registers.register(
        session, "villagers", data["village_id"], None, registers.day_of(data.get("held_at") or now),
        votes=False), data["attendance"])}
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
