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
