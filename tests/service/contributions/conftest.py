from __future__ import annotations

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import replace_dependencies

from services.contributions.service import ContributionsService
from services.kernel.nameko_ext import topology
from services.rules.service import RulesService
from tests.support import policy as fixture
from tests.support.sink import Sink
from tests.unit.contributions.conftest import ROSTER  # the roster data, not a fake


@pytest.fixture
def policy():
    return fixture.FixturePolicy()


@pytest.fixture
def sink(service_config):
    """Every event the service publishes: in production its consumers' queues take them, and
    the relay keeps an event nobody takes pending (and everything after it)."""
    with Sink(service_config["AMQP_URI"], "contributions.events") as sink:
        yield sink


@pytest.fixture
def contributions(container_factory, service_config, policy, sink):
    """The service with its rules RpcProxy replaced by the in-test policy; roster imported."""
    topology.apply(service_config["AMQP_URI"], [ContributionsService])
    container = container_factory(ContributionsService, service_config)
    replace_dependencies(container, policy=policy)
    container.start()
    with ServiceRpcProxy("contributions", service_config) as rpc:
        rpc.import_roster({"filename": "roster.csv", "content": ROSTER})
        yield rpc


@pytest.fixture
def with_rules(container_factory, service_config, sink):
    """The service and the real rules service on the fixture rule files, over the broker."""
    service_config["RULES_DIR"] = str(fixture.RULES)
    topology.apply(service_config["AMQP_URI"], [ContributionsService, RulesService])
    container_factory(RulesService, service_config).start()
    container = container_factory(ContributionsService, service_config)
    container.start()
    with ServiceRpcProxy("contributions", service_config) as rpc:
        rpc.import_roster({"filename": "roster.csv", "content": ROSTER})
        yield rpc
