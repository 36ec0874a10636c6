"""A county system's consumer, written with plain kombu and jsonschema only (none of our code):
given the gateway's /asyncapi.json it binds its own queue, receives every event of a demo
scenario, and validates each against the JSON Schema at its dataschema URL."""
from __future__ import annotations

import json
import socket

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker
from kombu import Connection, Consumer, Exchange, Queue

from services.contributions.service import ContributionsService
from services.gateway.service import GatewayService
from services.identity.service import IdentityService
from services.kernel.nameko_ext import topology
from services.notifications.service import NotificationsService
from services.proposals.service import ProposalsService
from services.rules.service import RulesService
from services.scoring.service import ScoringService
from tests.support.wait import until

pytestmark = pytest.mark.integration

SERVICES = [RulesService, ProposalsService, ContributionsService, ScoringService, NotificationsService,
            IdentityService, GatewayService]
ACCEPT = ["application/cloudevents+json", "application/json"]


def county_queue(doc: dict) -> Queue:
    """One durable queue bound to every channel of the AsyncAPI document, as it describes them."""
    bindings = []
    for channel in doc["channels"].values():
        amqp = channel["bindings"]["amqp"]
        exchange = Exchange(amqp["exchange"]["name"], type=amqp["exchange"]["type"],
                            durable=amqp["exchange"]["durable"], auto_delete=amqp["exchange"]["autoDelete"])
        bindings.append((exchange, channel["address"]))
    from kombu import binding
    return Queue("county-system.all-events", durable=True, auto_delete=False,
                 bindings=[binding(x, routing_key=key) for x, key in bindings])


def test_a_plain_kombu_consumer_validates_every_event_of_a_demo_against_the_published_schemas(
        container_factory, service_config):
    from demo import platform
    from demo.__main__ import Demo

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web = f"http://127.0.0.1:{port}"
    config = dict(service_config, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", PUBLIC_URL=web)
    uri = config["AMQP_URI"]
    topology.apply(uri, SERVICES)
    container_factory(GatewayService, config).start()
    doc = requests.get(f"{web}/asyncapi.json", timeout=10).json()

    received: list[dict] = []
    with Connection(uri) as connection:
        queue = county_queue(doc)
        queue(connection.default_channel).declare()
        for cls in SERVICES[:-1]:
            container_factory(cls, config).start()
        with Demo(config) as demo:
            platform.run(demo)

        def on_message(body, message):
            # kombu hands an unregistered content type over as text: the JSON is ours to parse
            received.append({"content_type": message.content_type,
                             "event": json.loads(body) if isinstance(body, (str, bytes)) else body})
            message.ack()

        with Consumer(connection, queues=[queue], accept=ACCEPT, callbacks=[on_message]):
            def drain():
                try:
                    connection.drain_events(timeout=1)
                except socket.timeout:
                    pass
                types = {r["event"]["type"] for r in received}
                return {"cn.cocreate.good_deed.verified", "cn.cocreate.points.recorded",
                        "cn.cocreate.notice.published"} <= types
            until(drain, timeout=60, message="the demo's events, notices included")
            while True:  # and whatever else is still queued
                try:
                    connection.drain_events(timeout=2)
                except socket.timeout:
                    break

    schemas, session = {}, requests.Session()
    assert len(received) >= 5
    for item in received:
        event = item["event"]
        assert item["content_type"] == "application/cloudevents+json"
        url = event["dataschema"]
        assert url.startswith(web + "/schemas/events/")
        if url not in schemas:
            response = session.get(url, timeout=10)
            assert response.status_code == 200, url
            schemas[url] = Draft202012Validator(response.json(), format_checker=FormatChecker())
        errors = [e.message for e in schemas[url].iter_errors(event["data"])]
        assert errors == [], (event["type"], errors)
        message = doc["components"]["messages"][event["type"].removeprefix("cn.cocreate.")]
        Draft202012Validator(message["payload"], format_checker=FormatChecker()).validate(event)
