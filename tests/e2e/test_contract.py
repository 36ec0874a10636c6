"""The API's contract as published by the running gateway: ``/openapi.json`` validates, ``/docs``
needs nothing from the internet, and a fuzzer driven by the document finds no server error and
no answer that breaks the document."""
from __future__ import annotations

import re

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.e2e.conftest import expect

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def api_schema(api):
    return schemathesis.openapi.from_url(f"{api}/openapi.json")


def test_the_published_document_is_valid_openapi(api):
    document = expect(requests.get(f"{api}/openapi.json"), 200)
    validate(document)
    assert document["openapi"] == "3.1.0" and len(document["paths"]) > 50


def test_the_docs_page_works_offline(api):
    page = requests.get(f"{api}/docs")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/docs/static/") for a in assets), assets
    for asset in assets:
        served = requests.get(api + asset)
        assert served.status_code == 200 and len(served.content) > 20, asset
    assert "SwaggerUIBundle" in requests.get(f"{api}/docs/static/swagger-ui-bundle.js").text


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_a_fuzzer_finds_no_server_error_and_no_answer_off_the_document(case):
    case.call_and_validate(timeout=30, checks=[not_a_server_error, response_schema_conformance])
