"""Small builders of valid domain input, named after the seeds (伍桂墩村 Wuguidun village)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import delete

from services.proposals import decisions, meetings, motions, registers
from services.proposals.models import RosterHousehold, RosterResident

from .conftest import on_roster, tx

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


def body_register(session, clock, kind, members, households=None, prefix=None):
    """Put a body's ``members`` on its register, as the roster (and the representatives
    register) would: ``prefix{i}`` in household ``h-prefix{i}``, party members for a 党员会,
    村民代表 serving today for a 代表会. With ``households``, the members live in that many
    households ``h{j}`` as residents ``r{j}-{k}`` (as evenly as they go)."""
    prefix = prefix or kind
    if households is None:
        roster = {f"h-{prefix}{i}": [f"{prefix}{i}"] for i in range(members)}
    else:
        roster = {f"h{j}": [] for j in range(households)}
        for i in range(members):
            roster[f"h{i % households}"].append(f"r{i % households}-{i // households}")
    people = [r for rs in roster.values() for r in rs]
    if kind in ("party_members", "representatives"):   # village bodies: their members live in group 1
        hamlet = f"{VILLAGE}-g1"
    else:                                                # the hamlet's roster is exactly these households
        hamlet = HAMLET
        session.execute(delete(RosterResident).where(RosterResident.hamlet_id == hamlet,
                                                     RosterResident.household_id.not_in(list(roster))))
        session.execute(delete(RosterHousehold).where(RosterHousehold.hamlet_id == hamlet,
                                                      RosterHousehold.household_id.not_in(list(roster))))
    on_roster(session, {(VILLAGE, hamlet): roster}, party=set(people) if kind == "party_members" else (),
              at=clock.now())
    if kind == "representatives":
        today = registers.day_of(clock.now())
        serving = {r.resident_id for r in registers.representatives(session, VILLAGE, today)}
        for resident in people:
            if resident not in serving:
                tx(session, registers.appoint, clock.now(), {
                    "village_id": VILLAGE, "resident_id": resident, "term_start": today - timedelta(days=365),
                    "term_end": today + timedelta(days=4 * 365), "registered_by": "secretary"})
    return people


def held_meeting(session, clock, kind, motion_ids, members, present, households=None,
                 attendance=None, prefix=None):
    """A meeting held at once; its body's register has ``members`` members (see body_register)."""
    prefix = prefix or kind
    body_register(session, clock, kind, members if members is not None else present, households, prefix)
    data = {"kind": kind, "village_id": VILLAGE,
            "hamlet_id": HAMLET if kind in meetings.HAMLET_KINDS else None,
            "title": f"{kind} meeting", "place": "议事亭", "scheduled_for": None,
            "agenda": list(motion_ids),
            "created_by": "secretary", "attendance": attendance or attendees(present, prefix=prefix),
            "held_at": None, "minutes": ""}
    return tx(session, meetings.schedule, clock.now(), data)


def tally(session, policy, clock, meeting, motion, votes_for, against=0, abstain=0):
    return tx(session, decisions.record_vote, policy, clock.now(), meeting.id, motion.id,
              {"tally": {"votes_for": votes_for, "votes_against": against, "abstain": abstain},
               "ballots": None, "recorded_by": "secretary"})
