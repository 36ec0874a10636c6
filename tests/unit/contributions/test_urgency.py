"""优先规划实施群众最关心、最紧迫的项目: the endorsements proposals announces become each funding
request's urgency at close, and the funding rule ranks by it when its urgency_weight says so."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from services.contributions import funding, projects
from services.rules.reactions import allocation_for_round

from tests.support.db import emitted
from tests.support.policy import FixturePolicy


def _round_of_two(session, clock):
    for pid, hamlet, motion in (("p1", "h1", "mot-1"), ("p2", "h2", "mot-2")):
        projects.register_project(session, clock.now(), {
            "project_id": pid, "name": f"project {pid}", "scope": "hamlet", "village_id": "v1",
            "hamlet_id": hamlet, "budget": Decimal("1000"), "motion_id": motion,
            "mix": {"grant": Decimal("1000"), "sponsor": Decimal("0"), "crowd": Decimal("0")}})
    funding.open_round(session, clock.now(), {"round_id": "r1", "name": "2026 镇级", "level": "town",
                                              "area_id": "t1", "budget": Decimal("1000")})
    first = funding.submit_request(session, clock.now(), "r1", {"project_id": "p1", "amount": Decimal("1000")})
    second = funding.submit_request(session, clock.now(), "r1", {"project_id": "p2", "amount": Decimal("1000")})
    return first, second


def test_urgency_is_the_share_of_the_hamlets_households_endorsing_the_motion(session, policy, clock, roster_loaded):
    first, second = _round_of_two(session, clock)
    at = clock.now()
    funding.urgency_changed(session, {"motion_id": "mot-2", "village_id": "v1", "hamlet_id": "h2",
                                      "endorsing_households": 1, "at": at})
    funding.urgency_changed(session, {"motion_id": "mot-2", "village_id": "v1", "hamlet_id": "h2",
                                      "endorsing_households": 2, "at": at + timedelta(minutes=1)})
    # an older announcement arriving late changes nothing
    funding.urgency_changed(session, {"motion_id": "mot-2", "village_id": "v1", "hamlet_id": "h2",
                                      "endorsing_households": 1, "at": at})
    funding.close_round(session, policy, clock.now(), "r1")
    (_, closed), = emitted(session, "funding_round.closed")
    assert {r["project_id"]: r["urgency"] for r in closed["requests"]} == {"p1": 0.0, "p2": 1.0}  # h2: 2 of 2
    assert (first.urgency, second.urgency) == (0.0, 1.0)


def _closed(participation_first, participation_second, urgency_first, urgency_second):
    at = datetime(2026, 5, 1, tzinfo=timezone.utc).isoformat()
    return {"round_id": "r1", "budget": "1000", "requests": [
        {"request_id": "busy", "hamlet_id": "h1", "amount": "1000", "participation_rate": participation_first,
         "urgency": urgency_first, "requested_at": at},
        {"request_id": "urgent", "hamlet_id": "h2", "amount": "1000", "participation_rate": participation_second,
         "urgency": urgency_second, "requested_at": at}]}


def test_the_funding_rule_weighs_urgency_only_when_its_weight_says_so():
    closed = _closed(0.6, 0.5, 0.1, 0.9)
    today = allocation_for_round(FixturePolicy().book, closed, "ev-1")
    assert [r["request_id"] for r in today["ranking"] if r["funded"]] == ["busy"]    # participation alone
    assert "urgency" not in today["ranking"][0]
    weighed = allocation_for_round(FixturePolicy(funding={"urgency_weight": 0.5}).book, closed, "ev-1")
    assert [r["request_id"] for r in weighed["ranking"] if r["funded"]] == ["urgent"]  # 0.7 beats 0.35
    top = weighed["ranking"][0]
    assert (top["urgency"], top["score"]) == (0.9, 0.7) and "紧迫度 90%" in top["reason"]
