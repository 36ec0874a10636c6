"""Catch-up over HTTP (GET /api/events), subscriptions that start from a cursor, and operators
replaying exhausted deliveries (`cocreate deliveries`), against the real broker."""
import json
import socket
from datetime import timedelta

import pytest
import requests
from nameko.standalone.rpc import ServiceRpcProxy

from services import cli
from services.gateway.service import GatewayService
from services.identity.service import IdentityService
from services.kernel.nameko_ext import topology
from services.notifications import sharing
from services.notifications.service import NotificationsService
from tests.support.bus import deed, publish
from tests.support.http_peer import Receivers
from tests.support.identity import caller
from tests.support.wait import until

pytestmark = pytest.mark.service


@pytest.fixture
def stack(container_factory, service_config):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = dict(service_config, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
                  WEBHOOK_ALLOW_NETWORKS=["127.0.0.0/8"])
    topology.apply(config["AMQP_URI"], [NotificationsService, IdentityService])
    for cls in (NotificationsService, IdentityService, GatewayService):
        container_factory(cls, config).start()
    return f"http://127.0.0.1:{port}", config


def _points(n):
    return {"household_id": f"h{n}", "deed_code": "sweep", "points": 2, "reason": "扫雪",
            "cause_event_id": f"e{n}", "rule": {"id": "civility_points.sweep", "version": 1}}


def test_a_system_that_was_offline_reads_what_it_missed_in_order_with_a_cursor(stack):
    web, config = stack
    requests = caller(web, config, "integration", "county:*")  # the catch-up feed needs an identity
    uri = config["AMQP_URI"]
    sent = []
    for n in range(5):
        sent.append(publish(uri, "good_deed.verified", deed("sweep", n))["id"])
        sent.append(publish(uri, "points.decided", _points(n))["id"])
    until(lambda: len(requests.get(f"{web}/api/events", params={"limit": 100}, timeout=10).json()["events"]) == 10,
          message="ten stored events")

    got, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"after": cursor} if cursor else {})}
        page = requests.get(f"{web}/api/events", params=params, timeout=10).json()
        got += page["events"]
        pages += 1
        if not page["events"]:
            break
        cursor = page["next"]
    assert sorted(e["id"] for e in got) == sorted(sent) and len(got) == 10
    whole = requests.get(f"{web}/api/events", params={"limit": 100}, timeout=10).json()["events"]
    assert [e["id"] for e in got] == [e["id"] for e in whole]  # pages join up in stored order, none twice
    assert pages == 5  # 3 + 3 + 3 + 1, then an empty page with the same cursor
    assert page["next"] == cursor

    only = requests.get(f"{web}/api/events", params={"types": "points.*", "limit": 100}, timeout=10).json()
    assert [e["type"] for e in only["events"]] == ["cn.cocreate.points.decided"] * 5
    bad = requests.get(f"{web}/api/events", params={"after": "yesterday"}, timeout=10)
    assert bad.status_code == 400 and "after" in bad.json()["fields"]

    # a new subscription starting from a cursor gets what came after it, in order, then the new ones
    middle = requests.get(f"{web}/api/events", params={"limit": 4}, timeout=10).json()["next"]
    with Receivers(lambda path, n: (0, 204, None)) as peers:
        response = requests.post(f"{web}/api/subscriptions", json={
            "subscriber": "county-archive", "url": peers.url("/late"), "patterns": ["good_deed.*"],
            "start_after": middle}, timeout=10)
        assert response.status_code == 201, response.text
        later = [e["id"] for e in got[4:] if e["type"].endswith("good_deed.verified")]
        received = until(lambda: len(peers.got("/late")) == len(later) and peers.got("/late"), timeout=20,
                         message="the events after the cursor")
        assert [r["body"]["id"] for r in received] == later


def test_exhausted_deliveries_are_kept_and_an_operator_replays_them(stack, monkeypatch, capsys):
    web, config = stack
    requests = caller(web, config, "integration", "county:*")  # subscriptions need an identity
    uri = config["AMQP_URI"]
    monkeypatch.setattr(sharing, "RETRY_SCHEDULE", [timedelta(0)])  # two attempts, then failed
    with Receivers(lambda path, n: (0, 503, None) if n < 2 else (0, 204, None)) as peers, \
            ServiceRpcProxy("notifications", config) as rpc:
        sub = rpc.subscribe({"subscriber": "county-archive", "url": peers.url("/hook"), "patterns": ["good_deed.*"]})
        envelope = publish(uri, "good_deed.verified", deed("sweep"))
        until(lambda: rpc.subscription(sub["id"])["deliveries"] == {"failed": 1}, timeout=20, message="given up")
        capsys.readouterr()
        assert cli.main(["--amqp-uri", uri, "deliveries", "list", "--json"]) == 0
        [row] = json.loads(capsys.readouterr().out)
        assert (row["event_id"], row["attempts"], row["subscriber"]) == (envelope["id"], 2, "county-archive")
        assert "HTTP 503" in row["last_error"]
        assert cli.main(["--amqp-uri", uri, "deliveries", "replay", str(row["id"])]) == 0
        until(lambda: rpc.subscription(sub["id"])["deliveries"] == {"delivered": 1}, timeout=20, message="replayed")
        tries = peers.tried("/hook")
        assert len(tries) == 3 and {t["headers"]["webhook-id"] for t in tries} == {envelope["id"]}
        assert cli.main(["--amqp-uri", uri, "deliveries", "replay", str(row["id"])]) == 1  # not failed any more
