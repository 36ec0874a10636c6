"""The HTTP edge as a newcomer meets it on ``make run``: every refusal is a 4xx in one JSON
envelope (Chinese message, machine code, the failing fields), nothing crashes on hostile input,
a keyed write applies once, and a service that dies comes back by itself."""
from __future__ import annotations

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from kombu import Connection, Exchange, Queue
from nameko.rpc import RPC_QUEUE_TEMPLATE

from tests.e2e.conftest import cadre, expect
from tests.support.wait import until

pytestmark = pytest.mark.e2e
CJK = re.compile(r"[\u4e00-\u9fff]")


def envelope(response: requests.Response, status: int) -> dict:
    body = expect(response, status)
    assert body["error"] and CJK.search(body["message"]), body
    return body


def test_refusals_are_4xx_with_their_fields_in_chinese(api, county, person):
    assert envelope(requests.get(f"{api}/api/households/nope"), 401)["error"] == "unauthenticated"
    assert envelope(county.get(f"{api}/api/households/nope"), 404)["error"] == "not_found"
    resident = person("resident", "household:hh-edge")
    bad = envelope(resident.post(f"{api}/api/suggestions", json={}), 400)
    assert {"village_id", "resident_id", "title"} <= set(bad["fields"])
    assert all(CJK.search(m[0]) for m in bad["fields"].values()), bad["fields"]
    unknown = envelope(resident.post(f"{api}/api/suggestions", json={
        "village_id": "v", "resident_id": "r", "title": "t", "colour": "red"}), 400)
    assert "colour" in unknown["fields"]


def test_the_gateways_own_refusals_use_the_envelope(api):
    envelope(requests.get(f"{api}/no/such/page"), 404)
    envelope(requests.get(f"{api}/api/no/such/route"), 404)
    wrong = envelope(requests.delete(f"{api}/api/motions"), 405)
    assert "POST" in wrong["allowed"]
    envelope(requests.get(f"{api}/api/suggestions", params={"q": "x" * 10_000}), 414)
    envelope(requests.post(f"{api}/api/suggestions", data=b"x" * (10 * 1024 * 1024)), 413)
    deep = envelope(requests.post(f"{api}/api/suggestions", data="[" * 100_000,
                                  headers={"Content-Type": "application/json"}), 400)
    assert "_body" in deep["fields"]
    assert "_body" in envelope(requests.post(f"{api}/api/suggestions", data="{nope"), 400)["fields"]


@pytest.mark.parametrize("params", [
    {"offset": "99999999999999999999"}, {"limit": "0"}, {"limit": "100000"}, {"limit": "１０"},
    {"offset": "-1"},
])
def test_paging_is_bounded_on_lists(api, county, params):
    answer = envelope(county.get(f"{api}/api/suggestions", params=params), 400)
    assert set(params) <= set(answer["fields"])


@pytest.mark.parametrize("path", ["/api/demolitions", "/api/inspections", "/api/supermarket/redemptions",
                                  "/api/parcels", "/api/titles"])
def test_lists_that_had_no_page_size_refuse_a_huge_one(api, county, path):
    envelope(county.get(f"{api}{path}", params={"limit": "100000"}), 400)
    assert isinstance(expect(county.get(f"{api}{path}", params={"limit": "5"}), 200), (list, dict))


@pytest.mark.parametrize("value", [10 ** 30, 1e25, -10 ** 20])
def test_huge_numbers_are_refused_not_crashed_on(api, person, value):
    body = {"village_id": "v", "scope": "village", "title": "t", "estimated_budget": "1",
            "created_by": "c", "members": value}
    answer = envelope(cadre(person, "v").post(f"{api}/api/motions", data=json.dumps(body),
                                    headers={"Content-Type": "application/json"}), 400)
    assert "members" in answer["fields"]


def test_a_huge_id_in_the_path_is_refused_or_not_found(api, county):
    response = county.get(f"{api}/api/votes/{'9' * 40}")
    assert response.status_code in (400, 404), response.text
    envelope(county.get(f"{api}/api/motions/{'m' * 500}"), 400)


def test_a_keyed_post_applies_once_and_a_reused_key_is_refused(api, person, village_on_roster):
    place = village_on_roster()
    village = place["village"]
    who = cadre(person, village)
    body = {"village_id": village, "resident_id": f"{place['households'][0]}-1", "title": "修路 mend the road"}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = expect(who.post(f"{api}/api/suggestions", json=body, headers=key), 201)
    again = expect(who.post(f"{api}/api/suggestions", json=body, headers=key), 201)
    assert again == first
    other = envelope(who.post(f"{api}/api/suggestions", json={**body, "title": "别的"}, headers=key), 422)
    assert other["error"] == "idempotency_key_reused"
    listed = expect(who.get(f"{api}/api/suggestions", params={"village_id": village}), 200)
    assert [s["id"] for s in listed] == [first["id"]]
    assert envelope(who.post(f"{api}/api/suggestions", json=body,
                                  headers={"Idempotency-Key": "é" * 3}), 400)["fields"]


def test_concurrent_duplicates_with_one_key_make_one_effect(api, person, village_on_roster):
    place = village_on_roster()
    village = place["village"]
    who = cadre(person, village)
    body = {"village_id": village, "resident_id": f"{place['households'][0]}-1", "title": "同时提交 twenty at once"}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: who.post(f"{api}/api/suggestions", json=body, headers=key),
                                range(20)))
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers if a.status_code != 201]
    assert len({a.json()["id"] for a in answers}) == 1
    listed = expect(who.get(f"{api}/api/suggestions", params={"village_id": village}), 200)
    assert len(listed) == 1


def test_a_request_redelivered_by_the_broker_is_applied_once(stack, person, village_on_roster):
    """The same RPC request message twice (as the broker redelivers one whose ack was lost after
    the service committed): the second gets the first answer, and there is one effect."""
    place = village_on_roster()
    village = place["village"]
    payload = {"village_id": village, "resident_id": f"{place['households'][0]}-1", "title": "重投 redelivered"}
    correlation_id = uuid.uuid4().hex
    replies = []
    with Connection(stack.amqp_uri) as connection:
        exchange = Exchange("nameko-rpc", type="topic", durable=True)
        reply_queue = Queue(f"e2e-replies-{correlation_id}", exchange=exchange, routing_key=correlation_id,
                            exclusive=True, auto_delete=True)
        with connection.Consumer(reply_queue, callbacks=[lambda body, msg: (replies.append(body), msg.ack())],
                                 accept=["json"]):
            producer = connection.Producer(serializer="json")
            for _ in range(2):
                producer.publish({"args": [], "kwargs": {"payload": payload}}, exchange=exchange,
                                 routing_key="proposals.file_suggestion", reply_to=correlation_id,
                                 correlation_id=correlation_id, declare=[reply_queue])
            while len(replies) < 2:
                connection.drain_events(timeout=30)
    assert replies[0]["error"] is None and replies[0] == replies[1]
    listed = expect(cadre(person, village).get(f"{stack.url}/api/suggestions", params={"village_id": village}), 200)
    assert [s["id"] for s in listed] == [replies[0]["result"]["id"]]
    assert RPC_QUEUE_TEMPLATE.format("proposals") == "rpc-proposals"


def test_a_service_that_dies_is_restarted_and_the_stack_keeps_serving(stack):
    import os
    import signal
    before = stack.pid("scoring")
    os.kill(before, signal.SIGKILL)
    until(lambda: _running_again(stack, before), timeout=60, message="scoring restarted by cocreate run")
    until(lambda: requests.get(f"{stack.url}/api/rankings", params={"level": "household", "period": "2026Q4"},
                               timeout=15).status_code == 200, timeout=60, message="scoring answering again")
    assert requests.get(f"{stack.url}/healthz").status_code == 200
    assert "RUNNING" in stack.ctl("ps").stdout


def _running_again(stack, old_pid):
    try:
        return stack.pid("scoring") != old_pid
    except AssertionError:
        return False
