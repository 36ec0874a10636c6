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
        """The sample roster, announced as contributions does on import; proposals keeps its
        registers from it (who exists, the party members)."""
        import csv
        from pathlib import Path
        from tests.support import bus
        from tests.support.wait import until
        sample = Path(__file__).resolve().parents[2] / "services/contributions/samples/wuguidun_roster.csv"
        roster, party = {}, set()
        for row in csv.DictReader(sample.read_text(encoding="utf-8").splitlines()):
            roster.setdefault((row["village_id"], row["hamlet_id"]), {}).setdefault(
                row["household_id"], []).append(row["resident_id"])
            if row["party_member"] == "是":
                party.add(row["resident_id"])
        bus.announce_roster(self.config["AMQP_URI"], roster, party)

        def heard():
            try:
                return self.rpc.proposals.body_members({"kind": "villagers", "village_id": "v-wgd"})["members"] == 15
            except Exception:  # noqa: BLE001  not on proposals' roster yet
                return False
        until(heard, timeout=90, message="proposals to hear the sample roster")

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
    # the bodies' members come from the registers: 4 party members, 6 representatives, 7 in 伍家垸
    assert "党员会 3/4 party members on the roster present" in text
    assert "代表会 5/6 representatives present" in text and "垸组会 at 议事亭, 6/7" in text
    assert "伍长林, who is not a party member, refused" in text
    assert "file → assign → resolve → confirm" in text
