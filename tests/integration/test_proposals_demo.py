"""The co-planning demo story, run over the real broker against the proposals service, with
the rules answered over RPC from the policy staff's rule files (stand-in service)."""
from __future__ import annotations

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ClusterRpcProxy

from demo import planning
from services.proposals.service import ProposalsService
from tests.service.proposals.conftest import RulesStandIn

pytestmark = pytest.mark.integration


class RecordingDemo:
    """The demo's runner without the identity service: each person's Principal is made here
    (as the identity service would resolve it) and carried in the RPC context, so the story is
    still told by people who may tell it, stamped and scope-checked by proposals."""

    def __init__(self, rpc, config):
        self.rpc, self.config, self.lines, self.proxies = rpc, config, [], []

    def roster(self):
        pass  # proposals does not read the roster

    def as_(self, role, scope, home=None):
        from services.kernel.identity import Principal, Scope
        from services.kernel.nameko_ext.identity import CONTEXT_KEY
        principal = Principal(subject=f"test:{role}:{scope}", role=role, scopes=(Scope.parse(scope),),
                              villages=("v-wgd",), hamlets=("wgd-1", "wgd-2", "wgd-3"), home=home)
        proxy = ClusterRpcProxy(self.config, timeout=30, context_data={CONTEXT_KEY: principal.dumps()})
        self.proxies.append(proxy)
        return proxy.start()

    def say(self, text=""):
        self.lines.append(text)

    title = say

    def wait_for(self, predicate, what, timeout=0):
        raise TimeoutError(f"{what}: no notifications service in this test")

    def board(self, limit=100):
        return []


def test_bisheng_old_street_story(postgres_url, container_factory, service_config):
    service_config["DATABASE_URLS"] = {"proposals": postgres_url}
    # A subscriber for everything proposals publishes, so the relay has somewhere to route it.
    with Connection(service_config["AMQP_URI"]) as conn:
        Queue("demo-subscriber", Exchange("proposals.events", type="topic", durable=True), "#",
              durable=False)(conn.channel()).declare()
    container_factory(RulesStandIn, service_config).start()
    container_factory(ProposalsService, service_config).start()
    with ClusterRpcProxy(service_config, timeout=30) as rpc:
        demo = RecordingDemo(rpc, service_config)
        try:
            planning.run(demo)
        finally:
            for proxy in demo.proxies:
                proxy.stop()
        text = "\n".join(demo.lines)
        print(text)
    assert "major matter" in text
    assert "one body is not enough for a major matter" in text
    assert "附议 endorsed by 2 households" in text   # the suggestion's endorser and the motion's
    assert "the motion is approved" in text
    assert "file → assign → resolve → confirm" in text
