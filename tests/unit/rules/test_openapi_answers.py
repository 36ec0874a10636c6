"""The policy port's answers over HTTP are exactly what the OpenAPI document says: each answer
of the real rule files is validated against its schema (output schemas refuse unknown keys)."""
from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from services.gateway import openapi
from services.gateway.routing import load_routes
from services.rules.engine import PolicyBook, rules_dir


@pytest.fixture(scope="module")
def document():
    return openapi.document(load_routes())


@pytest.fixture(scope="module")
def book():
    return PolicyBook(rules_dir())


def conforms(document, method, path, answer):
    schema = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    errors = list(Draft202012Validator({**schema, "components": document["components"]}).iter_errors(answer))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


FACTS = {"request": "compensation", "structure_type": "pigsty", "area_m2": 12.5}


def test_status_and_params(document, book):
    conforms(document, "get", "/api/policy", book.status())
    for area in book.status()["files"]:
        conforms(document, "get", "/api/policy/{area}", book.params(area["policy"]))


def test_decide_and_explain(document, book):
    decision = book.decide("demolition", FACTS)
    conforms(document, "post", "/api/policy/{area}/decide", decision)
    explained = book.explain("demolition", FACTS)
    conforms(document, "post", "/api/policy/{area}/explain", explained)
    assert explained and explained[0] == decision["rule"]["id"]


def test_the_facts_are_an_open_object(document):
    body = document["paths"]["/api/policy/{area}/decide"]["post"]["requestBody"]["content"]["application/json"]
    schema = document["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["type"] == "object" and schema["additionalProperties"] is True
