"""The gateway over real HTTP, with the notifications service behind it on the real broker.

nameko's own web_session fixture breaks on Werkzeug 3, so requests talks to the port directly.
"""
import socket

import pytest
import requests

from services.gateway.service import GatewayService
from services.identity.service import IdentityService
from services.kernel.nameko_ext import topology
from services.notifications.service import NotificationsService
from tests.support.bus import deed, publish
from tests.support.identity import caller
from tests.support.wait import until

pytestmark = pytest.mark.service


@pytest.fixture
def web(container_factory, service_config):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = dict(service_config, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
                  WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8")  # the test's receivers are on loopback
    topology.apply(config["AMQP_URI"], [NotificationsService, IdentityService])
    for cls in (NotificationsService, IdentityService, GatewayService):
        container_factory(cls, config).start()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def county(web, service_config):
    """A county system with an integration token (subscriptions need an identity)."""
    return caller(web, service_config, "integration", "county:*")


def test_errors_map_to_statuses_with_the_failing_fields(web, county):
    assert requests.post(f"{web}/api/subscriptions", json={}).status_code == 401
    bad = county.post(f"{web}/api/subscriptions", json={"url": "nope", "patterns": []})
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"subscriber", "url", "patterns"}

    not_json = county.post(f"{web}/api/subscriptions", data="{", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and "_body" in not_json.json()["fields"]

    missing = county.get(f"{web}/api/subscriptions/999")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert requests.get(f"{web}/api/no/such/thing").status_code == 404
    assert requests.put(f"{web}/api/subscriptions").status_code == 405

    made = county.post(f"{web}/api/subscriptions", json={
        "subscriber": "county", "url": "http://127.0.0.1:9/hook", "patterns": ["notice.*", "good_deed.*"]})
    assert made.status_code == 201
    got = county.get(f"{web}/api/subscriptions/{made.json()['id']}")
    assert got.status_code == 200 and got.json()["patterns"] == ["notice.*", "good_deed.*"]


def test_the_public_board_shows_published_results(web, service_config):
    publish(service_config["AMQP_URI"], "good_deed.verified", deed("help_elderly"))
    until(lambda: requests.get(f"{web}/api/board/feed").json(), message="a notice in the feed")
    page = requests.get(web + "/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "公开栏" in page.text and "好人好事" in page.text
