"""One management container on PostgreSQL and the real broker; a stand-in "rules" service
answers the policy port over real RPC from the policy staff's own rule files; a sink takes
every event management publishes."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import replace_dependencies

from services.kernel.clock import FixedClock
from services.kernel.nameko_ext import topology
from services.management.service import ManagementService
from services.rules.engine import PolicyBook, rules_dir
from tests.support.policy import rules_stand_in
from tests.support.sink import Sink

NOW = datetime(2024, 6, 7, 9, 0, tzinfo=timezone.utc)   # a Friday: cleaning day
RulesStandIn = rules_stand_in(PolicyBook(rules_dir()))


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def sink(service_config):
    with Sink(service_config["AMQP_URI"], "management.events") as sink:
        yield sink


@pytest.fixture
def management(postgres_url, container_factory, service_config, clock, sink):
    # postgres_url first: torn down last, so the database outlives the containers.
    service_config["DATABASE_URLS"] = {"management": postgres_url}
    topology.apply(service_config["AMQP_URI"], [ManagementService])
    container_factory(RulesStandIn, service_config).start()
    container = container_factory(ManagementService, service_config)
    replace_dependencies(container, clock=clock)
    container.start()
    with ServiceRpcProxy("management", service_config) as proxy:
        yield proxy
