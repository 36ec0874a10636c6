"""出资 funding: project mix and progress, rounds, the allocation applied, the crowd-share hold."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.contributions import funding, models, projects, recording
from services.kernel.errors import IllegalTransition, ValidationFailed

from tests.support.db import emitted

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
    assert allocated[first.id]["mix_rule"]["id"] == "funding_mix.hold"
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

    give(session, policy, clock, "hh3", "200", "sponsor", "p1")   # 能人 give what the plan asks
    give(session, policy, clock, "hh3", "400", "crowd", "p1")
    (_, funded), = emitted(session, "project.funded")
    assert funded["project_id"] == "p1" and funded["raised"] == {"grant": "300.00", "sponsor": "200.00",
                                                                  "crowd": "500.00"}
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


def _allocate(session, policy, clock, project, granted, funded=True):
    funding.open_round(session, clock.now(), {"round_id": f"r-{project}", "name": "r", "level": "town",
                                              "area_id": "t1", "budget": Decimal("1000")})
    request = funding.submit_request(session, clock.now(), f"r-{project}", {"project_id": project,
                                                                            "amount": Decimal("500")})
    funding.close_round(session, policy, clock.now(), f"r-{project}")
    funding.apply_allocation(session, policy, clock.now(), {
        "round_id": f"r-{project}", "remaining": "0.00", "rule": RULE, "ranking": [
            {"request_id": request.id, "hamlet_id": "h1", "rank": 1, "participation_rate": 0.5,
             "amount": "500.00", "funded": funded, "granted": granted, "reason": "ranked"}]})
    return request


def test_money_alone_never_funds_a_project_that_plans_a_grant(session, policy, clock, two_projects):
    give(session, policy, clock, "hh1", "800", "crowd", "p1")
    give(session, policy, clock, "hh2", "200", "sponsor", "p1")   # the budget is reached, by money alone
    assert projects.progress(session, "p1")["status"] == "approved" and emitted(session, "project.funded") == []
    # a project that lost its round: no grant may be recorded on it (the 99,999 yuan)
    _allocate(session, policy, clock, "p1", "0.00", funded=False)
    with pytest.raises(ValidationFailed) as caught:
        give(session, policy, clock, None, "99999", "grant", "p1")
    assert "资助轮次" in caught.value.detail["fields"]["source"][0]
    assert projects.progress(session, "p1")["status"] == "approved"


def test_a_grant_is_recorded_only_within_the_approved_plan(session, policy, clock, two_projects):
    give(session, policy, clock, "hh1", "300", "crowd", "p1")
    _allocate(session, policy, clock, "p1", "400.00")              # released: 400 of the planned 500
    give(session, policy, clock, None, "100", "grant", "p1")       # the rest of the plan, e.g. from the county
    with pytest.raises(ValidationFailed) as caught:
        give(session, policy, clock, None, "0.01", "grant", "p1")
    assert "上级补助计划 500.00 元" in caught.value.detail["fields"]["amount"][0]
    with pytest.raises(ValidationFailed) as caught:                 # a request beyond the planned grant
        funding.open_round(session, clock.now(), {"round_id": "r-more", "name": "r", "level": "town",
                                                  "area_id": "t1", "budget": Decimal("1000")})
        funding.submit_request(session, clock.now(), "r-more", {"project_id": "p2", "amount": Decimal("501")})
    assert "amount" in caught.value.detail["fields"]


def test_taking_crowd_money_back_after_funding_holds_the_grant_again(session, policy, clock, two_projects):
    crowd = give(session, policy, clock, "hh1", "300", "crowd", "p1")   # crowd share 0.3
    give(session, policy, clock, "hh2", "200", "sponsor", "p1")
    request = _allocate(session, policy, clock, "p1", "500.00")        # released: 1000 of 1000, funded
    (_, funded), = emitted(session, "project.funded")
    assert funded["project_id"] == "p1"

    reversal = recording.reverse(session, policy, clock.now(), crowd.id, "the pledge was never paid")
    (_, held), = emitted(session, "grant.held")
    assert held["request_id"] == request.id and held["amount"] == "500.00" and held["was_funded"] is True
    assert held["cause_entry_id"] == reversal.id and held["project_status"] == "approved"
    assert held["rule"]["id"] == "funding_mix.hold" and "暂缓" in held["reason"]
    p1 = projects.progress(session, "p1")
    assert p1["status"] == "approved" and p1["raised"]["grant"] == "0.00" and p1["held_grants"] == "500.00"
    assert session.get(models.FundingRequest, request.id).grant_status == "held"

    give(session, policy, clock, "hh3", "300", "crowd", "p1")            # the crowd gives again
    assert [d["request_id"] for _, d in emitted(session, "grant.released")] == [request.id]
    assert len(emitted(session, "project.funded")) == 2
    assert projects.progress(session, "p1")["raised"] == {"grant": "500.00", "sponsor": "200.00", "crowd": "300.00"}


def test_taking_sponsor_money_back_after_funding_unfunds_the_project(session, policy, clock, two_projects):
    give(session, policy, clock, "hh1", "300", "crowd", "p1")
    sponsor = give(session, policy, clock, "hh2", "200", "sponsor", "p1")
    _allocate(session, policy, clock, "p1", "500.00")               # funded: 1000 of 1000
    recording.reverse(session, policy, clock.now(), sponsor.id, "the sponsor withdrew")
    (_, unfunded), = emitted(session, "project.unfunded")
    assert unfunded["project_id"] == "p1" and unfunded["raised"]["sponsor"] == "0.00"
    assert emitted(session, "grant.held") == []                      # the crowd share still stands
    assert projects.progress(session, "p1")["status"] == "approved"
    give(session, policy, clock, "hh3", "200", "sponsor", "p1")      # another 能人 gives: funded again
    assert len(emitted(session, "project.funded")) == 2
