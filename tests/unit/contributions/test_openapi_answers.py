"""The documented answers (services/gateway/openapi.py) are exactly what the domain returns:
each view the contributions routes send is validated against its schema in the OpenAPI
document, whose output schemas refuse unknown keys, so a key added or renamed here fails."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator

from services.contributions import demolitions, funding, ledger, projects, recording, roster, roster_views, views
from services.gateway import openapi
from services.gateway.routing import load_routes

from .conftest import ROSTER

RULE = {"id": "funding.participation_first", "version": 4, "policy": "funding"}


@pytest.fixture(scope="module")
def document():
    return openapi.document(load_routes())


def conforms(document, method, path, answer, status="200"):
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    errors = list(Draft202012Validator({**schema, "components": document["components"]}).iter_errors(answer))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_roster_import_and_households(session, clock, policy, document):
    imported = roster.import_file(session, "roster.csv", ROSTER.encode(), clock, policy)
    conforms(document, "post", "/api/roster/imports", imported, "201")
    conforms(document, "get", "/api/households", roster_views.list_households(session))
    assert imported["created"]["households"] == 6


def test_ledger_entries_and_totals(session, clock, policy, roster_loaded, document):
    money = recording.record(session, policy, clock.now(), {"kind": "money", "household_id": "hh1",
                                                  "amount": Decimal("50"), "source": "crowd"})
    recording.record(session, policy, clock.now(), {"kind": "materials", "household_id": "hh2",
                                           "items": [{"name": "砖", "count": 100, "unit": None}],
                                           "land_area_m2": Decimal("12.5"), "valuation": Decimal("300")})
    recording.record(session, policy, clock.now(), {"kind": "people", "resident_id": "r2", "role": "volunteer"})
    reversal = recording.reverse(session, policy, clock.now(), money.id, "录错", None)
    for entry in (money, reversal):
        conforms(document, "get", "/api/contributions/{entry_id}", views.entry(session, entry))
    totals = ledger.totals(session, {})
    conforms(document, "get", "/api/contributions/totals", totals)
    assert totals["people"] == {"volunteer": 1} and totals["materials"]["items"] == {"砖": 100}


def test_projects_and_funding_rounds(session, clock, policy, roster_loaded, document):
    projects.register_project(session, clock.now(), {
        "project_id": "p1", "name": "清淤", "scope": "hamlet", "village_id": "v1", "hamlet_id": "h1",
        "budget": Decimal("1000"), "mix": {"grant": Decimal("700"), "sponsor": Decimal("0"),
                                           "crowd": Decimal("300")}})
    session.flush()
    conforms(document, "get", "/api/projects/{project_id}", projects.progress(session, "p1"))
    funding.open_round(session, clock.now(), {"round_id": "r1", "name": "镇级奖补", "level": "town",
                                        "area_id": "t1", "budget": Decimal("800")})
    conforms(document, "post", "/api/funding-rounds", funding.round_view(session, "r1"), "201")
    request = funding.submit_request(session, clock.now(), "r1", {"project_id": "p1", "amount": Decimal("700")})
    conforms(document, "post", "/api/funding-rounds/{round_id}/requests", funding.request_view(request), "201")
    funding.close_round(session, policy, clock.now(), "r1", {"order": [request.id], "by": "cadre", "why": "急需"})
    funding.apply_allocation(session, policy, clock.now(), {
        "round_id": "r1", "remaining": "100.00", "rule": RULE,
        "ranking": [{"request_id": request.id, "rank": 1, "funded": True, "granted": "700.00", "reason": "第1名"}]})
    allocated = funding.round_view(session, "r1")
    conforms(document, "get", "/api/funding-rounds/{round_id}", allocated)
    assert allocated["status"] == "allocated" and allocated["requests"][0]["grant_status"] in ("held", "released")
    conforms(document, "get", "/api/projects", [projects.progress(session, "p1")])


def test_demolitions(session, clock, policy, roster_loaded, document):
    demolition, _ = demolitions.register(session, policy, clock.now(), {
        "structure_type": "pigsty", "area_m2": Decimal("30"), "household_id": "hh2",
        "demolished_on": date(2026, 5, 1), "salvaged_items": [{"name": "旧砖", "count": 50, "unit": None}]})
    out = views.demolition(session, demolition)
    conforms(document, "get", "/api/demolitions/{demolition_id}", out)
    conforms(document, "get", "/api/demolitions", [out])
