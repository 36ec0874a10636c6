"""Small builders of valid domain input, named after the seeds (伍桂墩村 Wuguidun village)."""
from __future__ import annotations

from decimal import Decimal

from services.proposals import decisions, meetings, motions

from .conftest import tx

VILLAGE, HAMLET = "wuguidun", "wuguidun-g3"


def motion_data(**over):
    data = {"village_id": VILLAGE, "hamlet_id": HAMLET, "scope": "hamlet",
            "title": "Clear the ditch behind group 3", "description": "",
            "estimated_budget": Decimal("8000.00"), "contribution_kinds": ["labour"],
            "suggestion_ids": [], "created_by": "head-g3", "why": ""}
    data.update(over)
    return data


def motion_in_deliberation(session, policy, clock, **over):
    motion = tx(session, motions.create, clock.now(), motion_data(**over))
    tx(session, motions.transition, policy, clock.now(), motion.id, "raise", "head-g3", "residents asked")
    tx(session, motions.transition, policy, clock.now(), motion.id, "deliberate", "secretary", "")
    return motion


def attendees(n, prefix="r", households=True):
    return [{"resident_id": f"{prefix}{i}", "household_id": f"h-{prefix}{i}" if households else None}
            for i in range(n)]


def held_meeting(session, clock, kind, motion_ids, members, present, households=None,
                 attendance=None):
    data = {"kind": kind, "village_id": VILLAGE,
            "hamlet_id": HAMLET if kind in meetings.HAMLET_KINDS else None,
            "title": f"{kind} meeting", "place": "议事亭", "scheduled_for": None,
            "members": members, "households": households, "agenda": list(motion_ids),
            "created_by": "secretary", "attendance": attendance or attendees(present, prefix=kind),
            "held_at": None, "minutes": ""}
    return tx(session, meetings.schedule, clock.now(), data)


def tally(session, policy, clock, meeting, motion, votes_for, against=0, abstain=0):
    return tx(session, decisions.record_vote, policy, clock.now(), meeting.id, motion.id,
              {"tally": {"votes_for": votes_for, "votes_against": against, "abstain": abstain},
               "ballots": None, "recorded_by": "secretary"})
