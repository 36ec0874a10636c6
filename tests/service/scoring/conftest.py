"""One scoring container on the real broker; a stand-in "rules" service answers the policy port
over real RPC from the in-test fake policy; a sink queue takes every event scoring publishes."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import replace_dependencies

from services.kernel.clock import FixedClock
from services.kernel.errors import NotFound
from services.kernel.nameko_ext import topology
from services.scoring.service import ScoringService
from tests.support import wait
from tests.support.bus import publish
from tests.support.policy import rules_stand_in
from tests.support.sink import Sink
from tests.support.scoring_policy import FakePolicy

NOW = datetime(2025, 5, 16, 9, 0, tzinfo=timezone.utc)  # a Friday in 2025Q2
POLICY = FakePolicy()


RulesStandIn = rules_stand_in(POLICY)
MEETINGS: dict = {}   # meeting_id -> the proposals service's meeting_quorum answer


class ProposalsStandIn:
    """A "proposals" service answering ``meeting_quorum`` over real RPC (半年评议's meetings)."""
    name = "proposals"

    @rpc
    def meeting_quorum(self, meeting_id):
        if meeting_id not in MEETINGS:
            raise NotFound.of("meeting", meeting_id)
        return MEETINGS[meeting_id]


@pytest.fixture
def sink(service_config):
    """Every event scoring publishes (an event no queue takes would stay in the outbox)."""
    with Sink(service_config["AMQP_URI"], "scoring.events") as sink:
        yield sink


@pytest.fixture
def scoring(container_factory, service_config, sink):
    topology.apply(service_config["AMQP_URI"], [ScoringService])
    container_factory(RulesStandIn, service_config).start()
    container_factory(ProposalsStandIn, service_config).start()
    container = container_factory(ScoringService, service_config)
    replace_dependencies(container, clock=FixedClock(NOW))
    container.start()
    with ServiceRpcProxy("scoring", service_config) as proxy:
        yield proxy


def register(amqp_uri, household_id, hamlet_id="g3", hub=None, party_member=False, head_name=None,
             village_id="wuguidun"):
    return publish(amqp_uri, "household.registered", {
        "household_id": household_id, "hamlet_id": hamlet_id, "village_id": village_id, "town_id": "t1",
        "head_name": head_name or household_id, "party_member": party_member, "hub_household_id": hub})


@pytest.fixture
def roster(scoring, service_config):
    uri = service_config["AMQP_URI"]
    register(uri, "h-hub", party_member=True, head_name="党员中心户 李")
    register(uri, "h-huang", hub="h-hub", head_name="黄远福")
    register(uri, "h2", hub="h-hub")
    register(uri, "h3", hamlet_id="g4", hub="h-hub")
    wait.until(lambda: _known(scoring, "h3") and _known(scoring, "h-huang"), message="households registered")
    return scoring


def _known(scoring, household_id):
    from services.kernel.errors import NotFound
    try:
        return scoring.get_household(household_id)
    except NotFound:
        return None
