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
    running = stacks.start(uri, tmp_path_factory.mktemp("e2e"), GATEWAY_RPC_TIMEOUT=10)
    try:
        yield running
    finally:
        running.stop()
        vhosts.delete(uri)


@pytest.fixture(scope="session")
def api(stack):
    return stack.url


def expect(response: requests.Response, status: int):
    """The JSON answer of a response that must have ``status``; every answer is JSON."""
    assert response.status_code == status, \
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:2000]}"
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    return response.json()


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
