"""The gateway serves the event catalogue: /asyncapi.json, and each event's dataschema resolves."""
import socket

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker

from services.gateway.service import GatewayService
from services.kernel import events

pytestmark = pytest.mark.service


@pytest.fixture
def web(container_factory, service_config):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    config = dict(service_config, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", PUBLIC_URL=base + "/")
    container_factory(GatewayService, config).start()
    return base


def test_asyncapi_document_and_every_dataschema_url_resolve(web):
    response = requests.get(f"{web}/asyncapi.json", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    doc = response.json()
    assert doc["asyncapi"] == "3.0.0"
    assert set(doc["channels"]) == {t.name for t in events.all_types()}
    session = requests.Session()
    for name, message in doc["components"]["messages"].items():
        url = message["payload"]["properties"]["dataschema"]["const"]
        assert url.startswith(web + "/schemas/events/"), url  # under the configured public URL
        schema_response = session.get(url, timeout=10)
        assert schema_response.status_code == 200, url
        schema = schema_response.json()
        assert schema["$id"] == url
        example = message["examples"][0]["payload"]
        Draft202012Validator(schema, format_checker=FormatChecker()).validate(example["data"])
        Draft202012Validator(message["payload"], format_checker=FormatChecker()).validate(example)


def test_unknown_schemas_are_404_with_a_reason(web):
    for path in ("/schemas/events/no.such/v1.json", "/schemas/events/motion.decided/v99.json",
                 "/schemas/events/motion.decided/latest"):
        response = requests.get(web + path, timeout=10)
        assert response.status_code == 404 and response.json()["error"] == "not_found", path
