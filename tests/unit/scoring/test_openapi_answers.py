"""The scoring answers built outside a schema (balance, rankings of every level) are exactly
what the OpenAPI document says; its output schemas refuse unknown keys."""
from __future__ import annotations

from datetime import date

import pytest
from jsonschema import Draft202012Validator

from services.gateway import openapi
from services.gateway.routing import load_routes
from services.scoring import inspections, ledger, rankings

from .conftest import NOW


@pytest.fixture(scope="module")
def document():
    return openapi.document(load_routes())


def conforms(document, path, answer):
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    errors = list(Draft202012Validator({**schema, "components": document["components"]}).iter_errors(answer))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_balance_and_every_level_of_rankings(roster, policy, document):
    inspections.record(roster, policy, {"household_id": "h1", "inspector_household_id": "h-hub", "score": 90,
                                        "grade": "excellent", "inspected_on": date(2025, 5, 16), "remarks": ""}, NOW)
    roster.flush()
    conforms(document, "/api/households/{household_id}/balance", ledger.balance_of(roster, "h1"))
    boards = {level: rankings.board(roster, level, "2025Q2") for level in rankings.LEVELS}
    for board in boards.values():
        conforms(document, "/api/rankings", board)
    assert boards["hygiene"]["rows"] and boards["household"]["rows"][0]["rank"] == 1
    assert boards["hamlet"]["rows"][0]["hygiene_average"] is not None
