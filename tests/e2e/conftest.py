"""The e2e layer: the stack as ``make run`` starts it (separate processes), driven over HTTP and
AMQP only. One stack for the whole layer; every test uses ids of its own."""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.support import stack as stacks


@pytest.fixture(scope="session")
def stack(vhosts, tmp_path_factory):
    uri = vhosts.create()
    # the e2e tests send thousands of requests from one address: the limits are tested in
    # tests/service/gateway/test_identity.py; webhook receivers listen on loopback: the operator allows it
    running = stacks.start(uri, tmp_path_factory.mktemp("e2e"), GATEWAY_RPC_TIMEOUT=10,
                           RATE_LIMIT_ANONYMOUS="100000/minute", RATE_LIMIT_IDENTIFIED="100000/minute",
                           WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8", WEBHOOK_TIMEOUT=2)
    try:
        yield running
    finally:
        running.stop()
        vhosts.delete(uri)


@pytest.fixture(scope="session")
def api(stack):
    return stack.url


@pytest.fixture(scope="session")
def person(stack):
    """``person(role, scope, home=None)``: a requests.Session acting as someone, with an API token
    the running identity service issued (the operators' ``cocreate tokens issue`` does the same;
    tests/e2e/test_access.py drives that command itself). One token per person per session."""
    from tests.support.identity import issue, session
    people = {}

    def make(role: str, scope: str, home: str | None = None) -> requests.Session:
        key = (role, scope, home)
        if key not in people:
            people[key] = session(stack.url, issue({"AMQP_URI": stack.amqp_uri}, role, scope, home=home)["token"])
        return people[key]
    return make


@pytest.fixture(scope="session")
def county(person):
    """A county operator 县运维: reads everything, writes nothing of the villages."""
    return person("county_operator", "county:*")


def cadre(person, village: str) -> requests.Session:
    """A village cadre 村干部 of ``village``."""
    return person("village_cadre", f"village:{village}")


def expect(response: requests.Response, status: int):
    """The JSON answer of a response that must have ``status``; every answer is JSON."""
    assert response.status_code == status, \
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:2000]}"
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    return response.json()


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


HEADER = ("town_id,town_name,village_id,village_name,hamlet_id,hamlet_name,household_id,hub_household_id,"
          "resident_id,name,relation,party_member,party_category,cadre")


def heard_roster(who: requests.Session, api: str, village: str, residents: int | None = None) -> bool:
    """Whether proposals has learnt ``village``'s roster (its registers answer), with ``residents``."""
    answer = who.get(f"{api}/api/bodies/members", params={"kind": "villagers", "village_id": village})
    return answer.status_code == 200 and (residents is None or answer.json()["members"] == residents)


@pytest.fixture(scope="session")
def village_on_roster(api, person):
    """``village_on_roster(households=2)``: a village of its own, imported on the roster by its
    cadre (so commands may name its places and people), once proposals has learnt it. Each
    household ``<v>-1-0N`` has a head ``<v>-1-0N-1`` (a party member in the first) and a
    second resident ``<v>-1-0N-2``; all in hamlet ``<v>-1``."""
    from tests.support.wait import until

    def make(households: int = 2) -> dict:
        village = uid("v")
        hamlet = f"{village}-1"
        rows = []
        for n in range(1, households + 1):
            household = f"{hamlet}-0{n}" if n < 10 else f"{hamlet}-{n}"
            for k, relation in ((1, "户主"), (2, "配偶")):
                party = "是,在职" if n == 1 and k == 1 else "否,"
                rows.append(f"t-e2e,e2e镇,{village},测试村,{hamlet},一组,{household},,{household}-{k},"
                            f"村民{n}{k},{relation},{party},否")
        who = cadre(person, village)
        made = who.post(f"{api}/api/roster/imports", json={"filename": f"{village}.csv",
                                                           "content": "\n".join([HEADER, *rows]) + "\n"})
        assert made.status_code == 201, made.text
        until(lambda: heard_roster(who, api, village, 2 * households), timeout=60,
              message=f"proposals to learn the roster of {village}")
        return {"village": village, "hamlet": hamlet,
                "households": [f"{hamlet}-0{n}" if n < 10 else f"{hamlet}-{n}" for n in range(1, households + 1)]}
    return make
