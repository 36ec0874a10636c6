"""Each service on the real broker with only its own user's permissions (deploy/rabbitmq/
permissions.json, as compose's topology step grants them): it starts, consumes its events and
answers RPC; it cannot read another service's queue nor publish as another service."""
from __future__ import annotations

import socket
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import amqp.exceptions
import pytest
import requests
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ClusterRpcProxy

from services.gateway.service import GatewayService
from services.identity.service import IdentityService
from services.kernel.nameko_ext import topology
from tests.support.bus import publish
from tests.support.identity import issue
from tests.support.wait import until

pytestmark = pytest.mark.integration


@pytest.fixture
def users(vhosts):
    made = []
    yield made
    for user in made:  # users are broker-wide: remove the test's own
        if vhosts._use_http:
            requests.delete(f"{vhosts.mgmt}/api/users/{quote(user, safe='')}", timeout=10)
        else:
            vhosts._ctl("delete_user", user)


def _grant(vhosts, amqp_uri: str, service_cls, users: list) -> str:
    """A broker user of the test's own with the service's generated permissions on the test's vhost."""
    spec = topology.permissions(service_cls)
    parts = urlsplit(amqp_uri)
    vhost = parts.path.lstrip("/")
    user, password = f"{spec['user']}-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    users.append(user)
    if vhosts._use_http:
        requests.put(f"{vhosts.mgmt}/api/users/{quote(user, safe='')}", json={"password": password, "tags": ""},
                     timeout=10).raise_for_status()
        requests.put(f"{vhosts.mgmt}/api/permissions/{quote(vhost, safe='')}/{quote(user, safe='')}",
                     json={k: spec[k] for k in ("configure", "write", "read")}, timeout=10).raise_for_status()
    else:
        vhosts._ctl("add_user", user, password)
        vhosts._ctl("set_permissions", "-p", vhost, user, spec["configure"], spec["write"], spec["read"])
    netloc = f"{quote(user, safe='')}:{password}@{parts.hostname}:{parts.port or 5672}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def test_services_run_with_only_their_own_broker_permissions(vhosts, amqp_uri, service_config, container_factory,
                                                             users):
    topology.apply(amqp_uri, [IdentityService])  # compose's topology step, as the administrator
    identity_uri = _grant(vhosts, amqp_uri, IdentityService, users)
    gateway_uri = _grant(vhosts, amqp_uri, GatewayService, users)
    container_factory(IdentityService, dict(service_config, AMQP_URI=identity_uri)).start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    container_factory(GatewayService, dict(service_config, AMQP_URI=gateway_uri,
                                           WEB_SERVER_ADDRESS=f"127.0.0.1:{port}")).start()

    # identity consumes the roster's events on its own queue ...
    publish(amqp_uri, "household.registered", {
        "household_id": "h-1", "hamlet_id": "g-1", "village_id": "v-1", "town_id": "t-1",
        "head_name": "伍长林", "party_member": False, "hub_household_id": None})
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as cluster:
        until(lambda: cluster.identity.resolve(principal={
            "subject": "probe", "role": "town_staff", "scopes": ["town:t-1"]})["villages"] == ["v-1"],
            message="identity, on its own user, to learn the household's place")
    # ... and the gateway, on its own user, verifies a token through identity's RPC
    token = issue({"AMQP_URI": amqp_uri}, "village_cadre", "village:v-1")["token"]
    answer = requests.get(f"http://127.0.0.1:{port}/api/motions", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503 and answer.json()["error"] == "service_unavailable", answer.text  # no proposals here
    assert requests.get(f"http://127.0.0.1:{port}/api/motions").status_code == 401

    # identity's user cannot read contributions' RPC queue nor publish as contributions
    with Connection(amqp_uri) as admin:
        Queue("rpc-contributions", durable=True)(admin.channel()).declare()
    with Connection(identity_uri) as connection:
        with pytest.raises(amqp.exceptions.AccessRefused):
            channel = connection.channel()
            Queue("rpc-contributions", durable=True, no_declare=True)(channel).consume(
                callback=lambda *a: None, consumer_tag="spy")
            connection.drain_events(timeout=2)
    with Connection(identity_uri, transport_options={"confirm_publish": True}) as connection:
        with pytest.raises(amqp.exceptions.AccessRefused):
            connection.Producer().publish({"forged": True}, exchange=Exchange("contributions.events", type="topic",
                                                                             durable=True),
                                          routing_key="household.registered", declare=[])
            connection.drain_events(timeout=2)
    # nor can the gateway's user take identity's RPC requests off its queue
    with Connection(gateway_uri) as connection:
        with pytest.raises(amqp.exceptions.AccessRefused):
            Queue("rpc-identity", durable=True, no_declare=True)(connection.channel()).consume(
                callback=lambda *a: None, consumer_tag="spy")
            connection.drain_events(timeout=2)
