"""A county system integrates, given only /asyncapi.json and the README: against the stack as
``make run`` starts it (separate processes), over HTTP and AMQP, with none of our code.

It binds a queue with plain kombu from the AsyncAPI document, validates every event it receives
against the JSON Schema at the event's dataschema URL, catches up through /api/events after being
"offline", and receives Standard Webhooks-signed deliveries on time while fifty slow receivers
are subscribed."""
from __future__ import annotations

import json
import socket
import uuid

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker
from kombu import Connection, Consumer, Exchange, Queue, binding
from standardwebhooks.webhooks import Webhook

from tests.e2e.conftest import cadre, expect, uid
from tests.support.http_peer import Receivers
from tests.support.wait import until

ACCEPT = ["application/cloudevents+json", "application/json"]


@pytest.fixture(scope="module")
def asyncapi(api):
    return expect(requests.get(f"{api}/asyncapi.json", timeout=10), 200)


def _queue(doc: dict, name: str) -> Queue:
    bindings = []
    for channel in doc["channels"].values():
        x = channel["bindings"]["amqp"]["exchange"]
        bindings.append(binding(Exchange(x["name"], type=x["type"], durable=x["durable"],
                                         auto_delete=x["autoDelete"]), routing_key=channel["address"]))
    return Queue(name, durable=True, auto_delete=False, bindings=bindings)


def _good_deed(api, person, village="wuguidun") -> dict:
    household = uid("hh")
    reporter = person("hamlet_head", "hamlet:wuguidun-3")
    verifier = cadre(person, village)
    deed = expect(reporter.post(f"{api}/api/good-deeds", json={
        "village_id": village, "hamlet_id": "wuguidun-3", "household_id": household,
        "resident_id": f"{household}-1", "deed_code": "help_neighbour",
        "description": "帮邻居修院墙", "reported_by": "wgd-3-02-1"}, timeout=15), 201)
    expect(verifier.post(f"{api}/api/good-deeds/{deed['id']}/verify", json={"verified_by": "cadre-wgd-1"},
                         timeout=15), 200)
    return {"deed_id": deed["id"], "household_id": household}


def test_a_kombu_consumer_validates_every_event_against_the_published_schemas(stack, api, asyncapi, person):
    received = []
    queue = _queue(asyncapi, f"county-e2e-{uuid.uuid4().hex[:6]}")
    with Connection(stack.amqp_uri) as connection:
        queue(connection.default_channel).declare()
        deeds = [_good_deed(api, person) for _ in range(2)]

        def on_message(body, message):
            received.append((message.content_type, json.loads(body)))
            message.ack()

        with Consumer(connection, queues=[queue], accept=ACCEPT, callbacks=[on_message]):
            def enough():
                try:
                    connection.drain_events(timeout=1)
                except socket.timeout:
                    pass
                mine = {e["data"].get("household_id") for _, e in received
                        if e["type"] == "cn.cocreate.good_deed.verified"}
                return {d["household_id"] for d in deeds} <= mine and any(
                    e["type"] == "cn.cocreate.notice.published" for _, e in received)
            until(enough, timeout=60, message="the deeds' events and their notices")
        queue(connection.default_channel).delete()

    validators, session = {}, requests.Session()
    for content_type, event in received:
        assert content_type == "application/cloudevents+json"
        url = event["dataschema"]
        assert url.startswith(api + "/schemas/events/"), url  # resolves on this stack's gateway
        if url not in validators:
            response = session.get(url, timeout=10)
            assert response.status_code == 200 and response.headers["Content-Type"] == "application/schema+json", url
            validators[url] = Draft202012Validator(response.json(), format_checker=FormatChecker())
        assert [e.message for e in validators[url].iter_errors(event["data"])] == [], event["type"]
    assert len(validators) >= 3  # several event types, each with its own schema


def test_catch_up_after_being_offline_and_webhooks_on_time_beside_fifty_slow_receivers(api, person):
    requests = person("integration", "county:*")  # a county system's token
    start = expect(requests.get(f"{api}/api/events", params={"types": "good_deed.verified", "limit": 500},
                                timeout=15), 200)["next"]
    offline = [_good_deed(api, person) for _ in range(2)]  # happens while we are "down"

    def caught_up():
        page = expect(requests.get(f"{api}/api/events", params={
            "after": start or "0", "types": "good_deed.verified", "limit": 500}, timeout=15), 200)
        return {e["data"]["household_id"] for e in page["events"]} >= {d["household_id"] for d in offline} and page
    page = until(caught_up, timeout=60, message="the missed events in the catch-up feed")
    assert all(e["type"] == "cn.cocreate.good_deed.verified" for e in page["events"])

    behave = lambda path, n: (30, 204, None) if path.startswith("/slow") else (0, 204, None)  # noqa: E731
    with Receivers(behave) as peers:
        subs = [expect(requests.post(f"{api}/api/subscriptions", json={
            "subscriber": f"slow-{i}", "url": peers.url(f"/slow/{i}"), "patterns": ["good_deed.*"]},
            timeout=15), 201) for i in range(50)]
        healthy = expect(requests.post(f"{api}/api/subscriptions", json={
            "subscriber": "county-archive", "url": peers.url("/healthy"), "patterns": ["good_deed.verified"],
            "start_after": page["next"]}, timeout=15), 201)
        deeds = [_good_deed(api, person) for _ in range(3)]
        got = until(lambda: {r["body"]["data"]["household_id"] for r in peers.got("/healthy")}
                    >= {d["household_id"] for d in deeds} and peers.got("/healthy"),
                    timeout=30, message="the healthy receiver's events while fifty hang")
        for record in got:
            Webhook(healthy["signing_secret"]).verify(record["raw"], record["headers"])
        for sub in subs + [healthy]:  # end them: the slow ones must not be retried for ever
            expect(requests.delete(f"{api}/api/subscriptions/{sub['id']}", timeout=15), 200)
