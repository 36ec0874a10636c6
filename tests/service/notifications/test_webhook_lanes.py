"""Webhooks over real HTTP on loopback, from the notifications service on the real broker."""
from datetime import timedelta

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from standardwebhooks.webhooks import Webhook

from services.kernel.errors import ValidationFailed
from services.kernel.nameko_ext import topology
from services.notifications import sharing
from services.notifications.service import NotificationsService
from tests.support.bus import deed, publish
from tests.support.http_peer import Receivers
from tests.support.wait import until

pytestmark = pytest.mark.service

SLOW = 50


@pytest.fixture
def config(service_config):
    # tests allow loopback explicitly: by default a webhook to 127.0.0.1 is refused
    return dict(service_config, WEBHOOK_ALLOW_NETWORKS=["127.0.0.0/8"], WEBHOOK_TIMEOUT=1)


def _start(container_factory, config):
    topology.apply(config["AMQP_URI"], [NotificationsService])
    container = container_factory(NotificationsService, config)
    container.start()
    return container


def test_fifty_slow_receivers_do_not_delay_a_healthy_one(container_factory, config):
    # the slow ones answer after 30 s: every attempt to them times out (1 s) and backs off
    behave = lambda path, n: (30, 204, None) if path.startswith("/slow") else (0, 204, None)  # noqa: E731
    _start(container_factory, config)
    with Receivers(behave) as peers, ServiceRpcProxy("notifications", config) as rpc:
        for i in range(SLOW):
            rpc.subscribe({"subscriber": f"slow-{i}", "url": peers.url(f"/slow/{i}"), "patterns": ["good_deed.*"]})
        healthy = rpc.subscribe({"subscriber": "county-archive", "url": peers.url("/healthy"),
                                 "patterns": ["good_deed.*"]})
        sent = [publish(config["AMQP_URI"], "good_deed.verified", deed("sweep", n))["id"] for n in range(5)]
        # one at a time this took 50 × 1 s per event; with a lane each, seconds for all five
        # deadline, not a timing: one lane for all would need 5 × 50 × 1 s; 60 s leaves room for a busy machine
        got = until(lambda: len(peers.got("/healthy")) == 5 and peers.got("/healthy"), timeout=60,
                    message="the healthy receiver's five events while fifty receivers hang")
        assert [r["body"]["id"] for r in got] == sent  # in order
        for record in got:
            Webhook(healthy["signing_secret"]).verify(record["raw"], record["headers"])
        # and the slow ones really were being tried meanwhile, each with its own first event
        tried = until(lambda: [p for p in (f"/slow/{i}" for i in range(SLOW)) if peers.tried(p)]
                      if sum(bool(peers.tried(f"/slow/{i}")) for i in range(SLOW)) == SLOW else None,
                      timeout=60, message="every slow receiver tried")
        assert {peers.tried(p)[0]["body"]["id"] for p in tried} == {sent[0]}
        assert rpc.subscription(healthy["id"])["deliveries"] == {"delivered": 5}


def test_a_timed_out_attempt_is_retried_with_the_same_webhook_id(container_factory, config, monkeypatch):
    monkeypatch.setattr(sharing, "RETRY_SCHEDULE", [timedelta(0)] * 3)
    behave = lambda path, n: (5, 204, None) if n == 0 else (0, 204, None)  # noqa: E731  first one hangs
    _start(container_factory, config)
    with Receivers(behave) as peers, ServiceRpcProxy("notifications", config) as rpc:
        sub = rpc.subscribe({"subscriber": "county", "url": peers.url("/hook"), "patterns": ["good_deed.*"]})
        envelope = publish(config["AMQP_URI"], "good_deed.verified", deed("sweep"))
        until(lambda: peers.got("/hook"), timeout=20, message="the retried delivery")
        until(lambda: rpc.subscription(sub["id"])["deliveries"] == {"delivered": 1}, message="recorded")
        tries = peers.tried("/hook")
        assert len(tries) >= 2
        assert {t["headers"]["webhook-id"] for t in tries} == {envelope["id"]}  # receivers deduplicate on it
        for t in tries:
            Webhook(sub["signing_secret"]).verify(t["raw"], t["headers"])


def test_internal_addresses_are_refused_and_redirects_not_followed(container_factory, service_config, monkeypatch):
    monkeypatch.setattr(sharing, "RETRY_SCHEDULE", [timedelta(hours=1)])
    strict = _start(container_factory, service_config)  # no allow-list: the production default
    with ServiceRpcProxy("notifications", service_config) as rpc:
        for url in ("http://127.0.0.1:15672/api/definitions", "http://169.254.169.254/latest/meta-data/",
                    "http://10.0.0.8/hook", "http://[::1]:5672/"):
            with pytest.raises(ValidationFailed) as err:
                rpc.subscribe({"subscriber": "x", "url": url, "patterns": ["good_deed.*"]})
            assert list(err.value.detail["fields"]) == ["url"], url

    strict.stop()
    config = dict(service_config, WEBHOOK_ALLOW_NETWORKS=["127.0.0.0/8"])
    where = {}
    behave = lambda path, n: (0, 307, {"Location": where["to"]}) if path == "/moved" else (0, 204, None)  # noqa: E731
    container_factory(NotificationsService, config).start()
    with Receivers(behave) as peers, ServiceRpcProxy("notifications", config) as rpc:
        where["to"] = peers.url("/elsewhere")  # allowed, so only not following keeps it unvisited
        sub = rpc.subscribe({"subscriber": "moved", "url": peers.url("/moved"), "patterns": ["good_deed.*"]})
        publish(config["AMQP_URI"], "good_deed.verified", deed("sweep"))
        until(lambda: peers.tried("/moved"), timeout=20, message="the attempt")
        until(lambda: rpc.subscription(sub["id"])["deliveries"].get("pending"), message="recorded")
        assert len(peers.tried("/moved")) == 1 and peers.tried("/elsewhere") == []
