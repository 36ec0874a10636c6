from __future__ import annotations

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import replace_dependencies

from services.contributions.service import ContributionsService
from services.kernel.nameko_ext import topology
from tests.unit.contributions.conftest import ROSTER
from tests.unit.contributions.fakes import FakePolicy

from .fake_rules import FakeRulesService
from tests.support.sink import Sink


@pytest.fixture
def policy():
    return FakePolicy()


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
    """The real service and the fake rules service, talking over the broker."""
    topology.apply(service_config["AMQP_URI"], [ContributionsService, FakeRulesService])
    rules = container_factory(FakeRulesService, service_config)
    rules.start()
    container = container_factory(ContributionsService, service_config)
    container.start()
    with ServiceRpcProxy("contributions", service_config) as rpc:
        rpc.import_roster({"filename": "roster.csv", "content": ROSTER})
        yield rpc
