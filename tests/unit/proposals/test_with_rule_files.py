"""The same boundaries against the policy staff's real rule files (services.rules.engine)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.proposals import motions
from services.proposals.escalation import escalate_overdue
from services.proposals import suggestions
from services.rules.engine import PolicyBook, rules_dir

from .builders import held_meeting, motion_in_deliberation, tally
from .conftest import tx



@pytest.fixture(scope="module")
def book():
    return PolicyBook(rules_dir())


@pytest.mark.parametrize("budget, matter", [("99999.99", "ordinary"), ("100000", "major")])
def test_major_matter_threshold(session, clock, book, budget, matter):
    motion = motion_in_deliberation(session, book, clock, estimated_budget=Decimal(budget))
    assert motion.matter == matter
    assert motion.matter_rule["id"].startswith("major_matter.") and motion.matter_rule["version"] >= 1


@pytest.mark.parametrize("present, votes_for, outcome", [
    (20, 11, "approved"), (20, 10, "rejected"), (19, 19, "no_quorum")])
def test_assembly_quorum_and_majority(session, clock, book, present, votes_for, outcome):
    motion = motion_in_deliberation(session, book, clock, estimated_budget=Decimal("300000"))
    reps = held_meeting(session, clock, "representatives", [motion.id], members=30, present=present)
    vote = tally(session, book, clock, reps, motion, votes_for, present - votes_for)
    assert vote.outcome == outcome and vote.rule["policy"] == "quorum"
    assert motions.get(session, motion.id).state == ("rejected" if outcome == "rejected" else "in_deliberation")


def test_suggestion_escalates_at_the_files_deadline(session, clock, book):
    tx(session, suggestions.file, clock.now(), {"village_id": "v", "hamlet_id": "g", "resident_id": "r",
                                          "title": "t"})
    deadline = book.params("deadlines")["params"]["ladders"]["suggestion"]["levels"][0]["deadline_hours"]
    clock.advance(hours=deadline, seconds=-1)
    assert tx(session, escalate_overdue, book, clock.now()) == []
    clock.advance(seconds=1)
    [escalated] = tx(session, escalate_overdue, book, clock.now())
    assert escalated["level"] == 1 and escalated["rule"]["policy"] == "deadlines"
