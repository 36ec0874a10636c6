"""One proposals container on PostgreSQL and the real broker; a stand-in "rules" service
answers the policy port over real RPC from the policy staff's rule files."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import replace_dependencies

from services.kernel.clock import FixedClock
from services.proposals.service import ProposalsService
from services.rules.engine import PolicyBook, rules_dir
from services.kernel.errors import ValidationFailed
from tests.support import bus
from tests.support.policy import rules_stand_in
from tests.support.wait import until


RulesStandIn = rules_stand_in(PolicyBook(rules_dir()))  # the staff's own rule files


@pytest.fixture
def clock():
    return FixedClock(datetime(2024, 6, 3, 9, 0, tzinfo=timezone.utc))


@pytest.fixture
def events_queue(service_config):
    """Every event the proposals service publishes, bound before it starts (nothing unroutable)."""
    queue = Queue("test-proposals-events", exchange=Exchange("proposals.events", type="topic", durable=True),
                  routing_key="#", durable=False, auto_delete=False)
    with Connection(service_config["AMQP_URI"]) as conn:
        queue(conn.channel()).declare()
    return queue


def drain(service_config, queue) -> list[dict]:
    received = []
    with Connection(service_config["AMQP_URI"]) as conn:
        bound = queue(conn.channel())
        while (message := bound.get(no_ack=True)) is not None:
            received.append(json.loads(message.body))
    return received


@pytest.fixture
def proposals(postgres_url, container_factory, service_config, clock, events_queue):
    # postgres_url first: torn down last, so the database outlives the containers.
    service_config["DATABASE_URLS"] = {"proposals": postgres_url}
    container_factory(RulesStandIn, service_config).start()
    container = container_factory(ProposalsService, service_config)
    replace_dependencies(container, clock=clock)
    container.start()
    with ServiceRpcProxy("proposals", service_config) as proxy:
        yield proxy


V, G = "wuguidun", "wuguidun-laojie"
ONE = "wuguidun-1"   # where the party members and representatives of the tests live


def _people(prefix, n):
    return {f"h-{prefix}{i}": [f"{prefix}{i}"] for i in range(n)}


@pytest.fixture
def roster(proposals, service_config):
    """The roster, heard over the bus as contributions announces it: 40 party members and 30
    future representatives in group 1; ten residents, 彭 and 黄 in 老街."""
    bus.announce_roster(service_config["AMQP_URI"], {
        (V, ONE): {**_people("pm", 40), **_people("rep", 30)},
        (V, G): {**_people("r", 10), "h-peng": ["r-peng"], "h-huang": ["huang-yuanfu"]},
    }, party={f"pm{i}" for i in range(40)})

    def heard():
        try:
            return (proposals.body_members({"kind": "hamlet", "village_id": V, "hamlet_id": G})["members"] == 12
                    and proposals.body_members({"kind": "party_members", "village_id": V})["members"] == 40)
        except ValidationFailed:   # the village is not on proposals' roster yet
            return False

    until(heard, timeout=90, message="proposals to hear the roster (household.registered)")
    return proposals
