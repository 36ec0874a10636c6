"""The OpenAPI document: valid 3.1, every route in it with its request and response schemas."""
from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from services.gateway import openapi
from services.gateway.routing import load_routes

ROUTES = load_routes()


@pytest.fixture(scope="module")
def document():
    return openapi.document(ROUTES)


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_every_route_is_an_operation_with_its_errors(document):
    for route in ROUTES:
        path = openapi._PARAM.sub(lambda m: "{" + m.group(2) + "}", route.path)
        operation = document["paths"][path][route.method.lower()]
        assert operation["operationId"] == f"{route.service}.{route.rpc_method}"
        assert {"400", "500", "504"} <= set(operation["responses"]), route
        assert str(route.status) in operation["responses"]


@pytest.mark.parametrize("route", [r for r in ROUTES if r.body_param or r.query_param],
                         ids=lambda r: f"{r.method} {r.path}")
def test_every_route_that_takes_input_has_its_request_schema(route):
    request, _, _ = openapi.route_schemas(route)
    assert request is not None, f"{route.rpc_method}: name its input schema (Route(request=...))"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_has_its_response_schema(route):
    _, response, _ = openapi.route_schemas(route)
    assert response is not None, f"{route.rpc_method}: name its output schema (Route(response=...))"


def test_posts_take_an_idempotency_key(document):
    post = document["paths"]["/api/suggestions"]["post"]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in post["parameters"]
