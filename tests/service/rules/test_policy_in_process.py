"""The policy port in-process (``services.kernel.nameko_ext.Policy``) beside the real rules
service, on the real broker: a service decides with the published rules locally, each such
decision lands in the rules service's decision log with its rule and version, a publication
changes the next local decision, and a rolled-back piece of work logs nothing."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.kernel import policy as policy_port
from services.kernel.db import make_base
from services.kernel.nameko_ext import Database, Policy, api, topology
from services.rules.service import RulesService
from tests.integration.test_least_privilege import users  # noqa: F401  (fixture)
from tests.support.wait import until
from tests.unit.rules.helpers import bump_version, edit, version_of

pytestmark = pytest.mark.service

Base = make_base()  # the kernel's tables only: the outbox the decisions leave through


class AskingService:
    """Any service of the platform, as far as the policy port goes."""

    name = "asking"
    db = Database(metadata=Base.metadata)
    policy = Policy()

    @api
    def ask(self, area, facts):
        decision = policy_port.decide(self.policy, area, facts)
        return {**decision, "in_process": self.policy.in_process}

    @api
    def ask_many(self, area, facts_list):
        return policy_port.decide_many(self.policy, area, facts_list)

    @api
    def ask_then_fail(self, area, facts):
        policy_port.decide(self.policy, area, facts)
        raise ValueError("the work that asked failed: nothing of it is committed")

    @api
    def in_process(self):
        return self.policy.in_process


def _draft(folder):
    from services.rules.cli import read_draft
    files, cases, problems = read_draft(folder)
    assert problems == []
    return {"files": files, "cases": cases, "message": "门槛降到五万", "author": "policy-officer-li"}


def _logged(rules, decision_id):
    from services.kernel.errors import NotFound
    try:
        return rules.decision(decision_id)
    except NotFound:
        return None


def test_local_decisions_are_logged_and_follow_a_publication(container_factory, config, folder):
    topology.apply(config["AMQP_URI"], [RulesService, AskingService])
    container_factory(RulesService, config).start()
    container_factory(AskingService, config).start()
    v = version_of(folder / "major_matter.yaml")
    bridge = {"scope": "village", "estimated_budget": 80000}
    with ServiceRpcProxy("asking", config) as asking, ServiceRpcProxy("rules", config) as rules:
        until(asking.in_process, timeout=60, message="the published rules loaded in-process")

        first = asking.ask("major_matter", bridge)
        assert first["in_process"] is True
        assert (first["outcome"], first["rule"]["version"]) == ("ordinary", v)
        assert {k: first[k] for k in ("outcome", "rule", "values", "reason")} == {
            k: v_ for k, v_ in rules.decide("major_matter", bridge).items() if k in ("outcome", "rule", "values", "reason")}

        # the decision taken in the asking service is in the rules service's log
        logged = until(lambda: _logged(rules, first["decision_id"]), timeout=30, message="the decision logged")
        assert (logged["area"], logged["version"], logged["rule"], logged["outcome"]) == (
            "major_matter", v, first["rule"]["id"], "ordinary")
        assert logged["facts"] == bridge and logged["reason"] == first["reason"]

        # a batch: decided locally, every decision logged (in one event)
        sheet = [{"scope": "hamlet", "estimated_budget": 1000 * i} for i in range(1, 40)]
        answers = asking.ask_many("major_matter", sheet)
        assert [a["outcome"] for a in answers] == ["ordinary"] * 39
        until(lambda: all(_logged(rules, a["decision_id"]) for a in (answers[0], answers[-1])),
              timeout=30, message="the batch logged")

        # the work that asked failed: its decision is not in the log
        with pytest.raises(Exception, match="nothing of it is committed"):
            asking.ask_then_fail("major_matter", {"scope": "village", "estimated_budget": 123457})
        marker = asking.ask("major_matter", {"scope": "village", "estimated_budget": 123458})
        until(lambda: _logged(rules, marker["decision_id"]), timeout=30, message="the marker logged")
        budgets = [d["facts"]["estimated_budget"] for d in rules.decisions({"area": "major_matter"})["items"]]
        assert 123458 in budgets and 123457 not in budgets

        # a publication changes the next local decision, and that one is logged by its version
        edit(folder / "major_matter.yaml", "major_budget_yuan: 100000", "major_budget_yuan: 50000")
        bump_version(folder / "major_matter.yaml")
        published = rules.publish(_draft(folder))
        assert [(f["area"], f["version"]) for f in published["files"]] == [("major_matter", v + 1)]
        after = until(lambda: (lambda d: d if d["rule"]["version"] == v + 1 else None)(
            asking.ask("major_matter", bridge)), timeout=60, message="the publication in force in-process")
        assert after["outcome"] == "major" and after["in_process"] is True
        logged = until(lambda: _logged(rules, after["decision_id"]), timeout=30, message="the new decision logged")
        assert (logged["version"], logged["outcome"]) == (v + 1, "major")


def test_until_the_rules_are_loaded_decisions_go_over_rpc(container_factory, config):
    """Switched off (or before the set is loaded) the port asks the rules service, which logs."""
    topology.apply(config["AMQP_URI"], [RulesService, AskingService])
    container_factory(RulesService, config).start()
    container_factory(AskingService, {**config, "POLICY_IN_PROCESS": False}).start()
    with ServiceRpcProxy("asking", config) as asking, ServiceRpcProxy("rules", config) as rules:
        answer = asking.ask("funding_mix", {"crowd_share": 0.15, "grant_requested": True})
        assert answer["in_process"] is False and answer["outcome"] == "release"
        assert rules.decision(answer["decision_id"])["outcome"] == "release"


def test_on_their_own_broker_users_the_client_loads_hears_publications_and_logs(
        vhosts, amqp_uri, container_factory, config, folder, users):
    """deploy/rabbitmq/permissions.json lets a service's user hold its own policy.published
    queue, fetch the published set and publish its decision log on the rules exchange."""
    from tests.integration.test_least_privilege import _grant
    topology.apply(amqp_uri, [RulesService, AskingService])
    rules_uri = _grant(vhosts, amqp_uri, RulesService, users)
    asking_uri = _grant(vhosts, amqp_uri, AskingService, users)
    container_factory(RulesService, {**config, "AMQP_URI": rules_uri}).start()
    container_factory(AskingService, {**config, "AMQP_URI": asking_uri}).start()
    v = version_of(folder / "major_matter.yaml")
    facts = {"scope": "village", "estimated_budget": 80000}
    with ServiceRpcProxy("asking", config) as asking, ServiceRpcProxy("rules", config) as rules:
        until(asking.in_process, timeout=60, message="the published rules loaded in-process")
        first = asking.ask("major_matter", facts)
        assert (first["in_process"], first["outcome"], first["rule"]["version"]) == (True, "ordinary", v)
        until(lambda: _logged(rules, first["decision_id"]), timeout=30, message="the decision logged")

        edit(folder / "major_matter.yaml", "major_budget_yuan: 100000", "major_budget_yuan: 50000")
        bump_version(folder / "major_matter.yaml")
        rules.publish(_draft(folder))
        after = until(lambda: (lambda d: d if d["rule"]["version"] == v + 1 else None)(
            asking.ask("major_matter", facts)), timeout=60, message="the publication heard in-process")
        assert after["in_process"] is True and after["outcome"] == "major"
