import json

from sqlalchemy import select

from services.kernel.db import outbox_table


def emitted(session, name):
    rows = session.execute(select(outbox_table.c.body).where(outbox_table.c.event_type == name)
                           .order_by(outbox_table.c.id)).scalars()
    return [json.loads(body)["data"] for body in rows]


class Meetings:
    """Stand-in for the proposals service's ``meeting_quorum``: meetings by id, each held with
    quorum unless said otherwise (the answer has the same keys as proposals.meetings.quorum)."""

    BODY = {"party_members": "party_members_meeting", "representatives": "representatives_assembly",
            "hamlet": "hamlet_meeting"}

    def __init__(self):
        self.meetings = {}

    def add(self, meeting_id, kind, village_id="wuguidun", members=30, present=25, held=True, quorum=True):
        self.meetings[meeting_id] = {
            "meeting_id": meeting_id, "kind": kind, "body": self.BODY.get(kind), "village_id": village_id,
            "hamlet_id": None, "status": "held" if held else "scheduled", "held_at": None, "members": members,
            "present": present if held else 0, "quorum_met": held and quorum,
            "reason": "" if quorum else f"应到 {members} 人，实到 {present} 人，未达到法定人数",
            "rule": {"id": "quorum.quorum_only" if quorum else "quorum.no_quorum", "version": 1, "policy": "quorum"}}
        return meeting_id

    def __call__(self, meeting_id):
        from services.kernel.errors import NotFound
        if meeting_id not in self.meetings:
            raise NotFound.of("meeting", meeting_id)
        return self.meetings[meeting_id]


def both_bodies(meetings, village_id="wuguidun"):
    """A held 党员大会 and 村民代表会议 of the village, with quorum."""
    return (meetings.add("m-party", "party_members", village_id, members=12, present=10),
            meetings.add("m-reps", "representatives", village_id, members=30, present=24))
