"""Deadlines by rule, with the clock injected: escalate after the deadline, again one level up."""
from __future__ import annotations

from services.proposals import reports, suggestions
from services.proposals.escalation import escalate_overdue

from .conftest import events, tx


def _suggestion(session, clock):
    return tx(session, suggestions.file, clock.now(), {"village_id": "wuguidun", "hamlet_id": "g3",
                                                  "resident_id": "huang-yuanfu", "title": "A lamp for the bridge"})


def sweep(session, policy, clock):
    return tx(session, escalate_overdue, policy, clock.now())


def test_escalates_after_the_deadline_and_again_one_level_up(session, policy, clock):
    suggestion = _suggestion(session, clock)
    clock.advance(hours=71, minutes=59)
    assert sweep(session, policy, clock) == []
    clock.advance(minutes=1)                                # 72 h: the rule's deadline
    [first] = sweep(session, policy, clock)
    assert (first["level"], first["escalate_to"], first["age_hours"]) == (1, "village", 72.0)
    assert first["rule"] == {"id": "deadlines.suggestion.level0", "version": 1, "policy": "deadlines"}
    assert sweep(session, policy, clock) == []             # not twice for the same level

    clock.advance(hours=72)                                 # the village's deadline passes too
    [second] = sweep(session, policy, clock)
    assert (second["level"], second["escalate_to"]) == (2, "town")
    assert [e["level"] for _, e in events(session, "suggestion.escalated")] == [1, 2]
    stored = suggestions.get(session, suggestion.id)
    assert (stored.level, stored.escalated_to, stored.level_since) == (2, "town", clock.now())


def test_an_answered_suggestion_is_not_escalated(session, policy, clock):
    suggestion = _suggestion(session, clock)
    tx(session, suggestions.answer, clock.now(), suggestion.id, {
        "outcome": "declined", "answer": "the lamp is the power company's", "answered_by": "secretary"})
    clock.advance(days=30)
    assert sweep(session, policy, clock) == []


def test_reports_escalate_until_resolved(session, policy, clock):
    report = tx(session, reports.file, clock.now(), {"village_id": "wuguidun", "hamlet_id": "g3",
                                               "resident_id": "r1", "category": "ditch",
                                               "title": "Blocked ditch on the G209"})
    tx(session, reports.assign, clock.now(), report.id, {"assignee_type": "public_welfare_post",
                                                   "assignee_id": "post-road-g3", "by": "head-g3"})
    clock.advance(hours=48)
    [escalated] = sweep(session, policy, clock)
    assert (escalated["kind"], escalated["report_id"], escalated["escalate_to"]) == ("report", report.id, "village")
    tx(session, reports.resolve, clock.now(), report.id, {"by": "post-road-g3", "note": "cleared"})
    clock.advance(days=10)
    assert sweep(session, policy, clock) == []
    assert len(events(session, "report.escalated")) == 1


def test_a_wait_verdict_is_not_asked_again_before_its_deadline(session, policy, clock):
    _suggestion(session, clock)
    sweep(session, policy, clock)
    asked = len([c for c in policy.calls if c[0] == "deadlines"])
    clock.advance(hours=10)
    sweep(session, policy, clock)
    assert len([c for c in policy.calls if c[0] == "deadlines"]) == asked
    policy.version = 2                                      # a new rule file: ask again at once
    sweep(session, policy, clock)
    assert len([c for c in policy.calls if c[0] == "deadlines"]) == asked + 1


def test_past_the_top_level_it_only_waits(session, policy, clock):
    _suggestion(session, clock)
    levels = []
    for _ in range(6):
        clock.advance(hours=200)
        levels += [(e["level"], e["escalate_to"]) for e in sweep(session, policy, clock)]
    assert levels == [(1, "village"), (2, "town"), (3, "county")]
