"""出资 funding: project mix and progress, rounds, the allocation applied, the crowd-share hold."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.contributions import funding, ledger, models, projects, recording
from services.kernel.errors import IllegalTransition, ValidationFailed

from .fakes import emitted

RULE = {"id": "funding.participation_first", "version": 4, "policy": "funding"}


@pytest.fixture
def two_projects(session, clock, roster_loaded):
    for pid, hamlet in (("p1", "h1"), ("p2", "h2")):
        projects.register_project(session, clock.now(), {
            "project_id": pid, "name": f"project {pid}", "scope": "hamlet", "village_id": "v1",
            "hamlet_id": hamlet, "budget": Decimal("1000"),
            "mix": {"grant": Decimal("500"), "sponsor": Decimal("200"), "crowd": Decimal("300")}})


def give(session, policy, clock, household, amount, source, project):
    return recording.record(session, policy, clock.now(), {"kind": "money", "household_id": household,
                                                  "amount": Decimal(amount), "source": source,
                                                  "project_id": project})


def test_mix_must_add_up_to_the_budget(session, clock, roster_loaded):
    with pytest.raises(ValidationFailed) as caught:
        projects.register_project(session, clock.now(), {
            "project_id": "p9", "name": "x", "scope": "hamlet", "village_id": "v1", "hamlet_id": "h1",
            "budget": Decimal("1000"), "mix": {"grant": Decimal("500"), "crowd": Decimal("300")}})
    assert "mix" in caught.value.detail["fields"]


def test_round_closes_with_participation_and_applies_the_allocation(session, policy, clock, two_projects):
    give(session, policy, clock, "hh1", "50", "crowd", "p1")      # h1: 1 of 4 households
    give(session, policy, clock, "hh5", "150", "crowd", "p2")     # h2: 1 of 2 households
    funding.open_round(session, clock.now(), {"round_id": "r2026", "name": "2026 town round", "level": "town",
                                        "area_id": "t1", "budget": Decimal("800")})
    first = funding.submit_request(session, clock.now(), "r2026", {"project_id": "p1", "amount": Decimal("500")})
    clock.advance(hours=1)
    second = funding.submit_request(session, clock.now(), "r2026", {"project_id": "p2", "amount": Decimal("500")})
    funding.close_round(session, policy, clock.now(), "r2026")
    (_, closed), = emitted(session, "funding_round.closed")
    assert closed["budget"] == "800.00" and "override" not in closed
    assert [(r["request_id"], r["hamlet_id"], r["amount"], r["participation_rate"]) for r in closed["requests"]] == [
        (first.id, "h1", "500.00", 0.25), (second.id, "h2", "500.00", 0.5)]
    with pytest.raises(IllegalTransition):
        funding.submit_request(session, clock.now(), "r2026", {"project_id": "p1", "amount": Decimal("1")})

    decision = {"round_id": "r2026", "remaining": "0.00", "rule": RULE, "ranking": [
        {"request_id": second.id, "hamlet_id": "h2", "rank": 1, "participation_rate": 0.5,
         "amount": "500.00", "funded": True, "granted": "500.00", "reason": "highest participation"},
        {"request_id": first.id, "hamlet_id": "h1", "rank": 2, "participation_rate": 0.25,
         "amount": "500.00", "funded": True, "granted": "300.00", "reason": "partly: budget ran out"}]}
    funding.apply_allocation(session, policy, clock.now(), decision)
    allocated = {d["request_id"]: d for _, d in emitted(session, "funding.allocated")}
    # p2's crowd share is 150/1000 >= 0.1: released; p1's is 50/1000: held until the crowd gives more
    assert allocated[second.id]["status"] == "released" and allocated[second.id]["rule"] == RULE
    assert allocated[first.id]["status"] == "held" and allocated[first.id]["granted"] == "300.00"
    assert allocated[first.id]["mix_rule"]["id"] == "funding_mix.min_crowd_share"
    assert projects.progress(session, "p2")["raised"] == {"grant": "500.00", "sponsor": "0.00", "crowd": "150.00"}
    assert projects.progress(session, "p1")["held_grants"] == "300.00"
    # the same decision again changes nothing
    before = emitted(session)
    assert funding.apply_allocation(session, policy, clock.now(), decision)["applied"] is False
    assert emitted(session) == before

    give(session, policy, clock, "hh2", "50", "crowd", "p1")      # crowd share now 0.10
    (_, released), = emitted(session, "grant.released")
    assert released["request_id"] == first.id and released["amount"] == "300.00"
    p1 = projects.progress(session, "p1")
    assert p1["raised"] == {"grant": "300.00", "sponsor": "0.00", "crowd": "100.00"}
    assert p1["held_grants"] == "0.00" and p1["status"] == "approved"
    assert emitted(session, "project.funded") == []

    give(session, policy, clock, "hh3", "600", "sponsor", "p1")
    (_, funded), = emitted(session, "project.funded")
    assert funded["project_id"] == "p1" and funded["raised"] == {"grant": "300.00", "sponsor": "600.00",
                                                                  "crowd": "100.00"}
    assert funding.round_view(session, "r2026")["status"] == "allocated"


def test_an_override_must_name_the_rounds_requests(session, policy, clock, two_projects):
    funding.open_round(session, clock.now(), {"round_id": "r1", "name": "r", "level": "county", "area_id": "c1",
                                        "budget": Decimal("100")})
    request = funding.submit_request(session, clock.now(), "r1", {"project_id": "p1", "amount": Decimal("100")})
    with pytest.raises(ValidationFailed):
        funding.close_round(session, policy, clock.now(), "r1", {"order": ["fr-x"], "by": "u1", "why": "flood"})
    funding.close_round(session, policy, clock.now(), "r1", {"order": [request.id], "by": "u1", "why": "flood damage"})
    (_, closed), = emitted(session, "funding_round.closed")
    assert closed["override"] == {"order": [request.id], "by": "u1", "why": "flood damage"}


def test_an_allocation_for_an_open_round_is_refused(session, policy, clock, two_projects):
    funding.open_round(session, clock.now(), {"round_id": "r1", "name": "r", "level": "town", "area_id": "t1",
                                        "budget": Decimal("100")})
    with pytest.raises(IllegalTransition):
        funding.apply_allocation(session, policy, clock.now(), {"round_id": "r1", "ranking": [], "rule": RULE,
                                                          "remaining": "100"})
    assert session.get(models.FundingRound, "r1").status == "open"
