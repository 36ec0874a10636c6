"""The rules service in a nameko container, on the real broker."""
import json
from datetime import date

import pytest
from kombu import Connection
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import select

from services.kernel.db import make_engine, outbox_table
from services.kernel.errors import ValidationFailed
from services.kernel.events import make_envelope
from services.kernel.nameko_ext import topology
from services.kernel.relay import publish_envelope
from services.rules.service import RulesService
from tests.support import wait
from tests.unit.rules.helpers import bump_version, edit, version_of

pytestmark = pytest.mark.service


def _outbox(config, event_type):
    engine = make_engine(f"sqlite:///{config['DATA_DIR']}/rules.sqlite")
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(outbox_table.c.body).where(outbox_table.c.event_type == event_type)).all()
    finally:
        engine.dispose()
    return [json.loads(r.body) for r in rows]


def _draft(folder):
    from services.rules.cli import read_draft
    files, cases, problems = read_draft(folder)
    assert problems == []
    return {"files": files, "cases": cases, "message": "测试", "author": "policy-officer-li"}


def test_decides_by_published_versions_only_and_publishes_over_rpc(container_factory, config, folder):
    container_factory(RulesService, config).start()
    bridge = {"scope": "village", "estimated_budget": 80000}
    v = version_of(folder / "major_matter.yaml")  # as the folder says on first start
    with ServiceRpcProxy("rules", config) as rules:
        first = rules.decide("major_matter", bridge)
        assert first["outcome"] == "ordinary" and first["rule"]["version"] == v
        assert rules.params("funding_mix")["params"]["min_crowd_share"] == 0.1
        [initial] = {(r["author"], r["version"]) for r in rules.history({"area": "major_matter"})}
        assert initial == ("system", v)

        # A saved (even a valid) file decides nothing until published, not even after reload.
        edit(folder / "major_matter.yaml", "major_budget_yuan: 100000", "major_budget_yuan: 50000")
        bump_version(folder / "major_matter.yaml")
        rules.reload()
        assert rules.decide("major_matter", bridge)["rule"]["version"] == v

        # A staff case contradicts the draft: refused, nothing published, still the first version.
        cases = folder / "tests" / "major_matter.yaml"
        cases.write_text(cases.read_text(encoding="utf-8") + (
            "  - name: 全村 8 万元的桥\n"
            "    given: {scope: village, estimated_budget: 80000}\n"
            "    expect: {outcome: ordinary}\n"), encoding="utf-8")
        with pytest.raises(ValidationFailed) as refused:
            rules.publish(_draft(folder))
        [failure] = refused.value.detail["failures"]
        assert failure["case"] == "全村 8 万元的桥" and "应是 ordinary，实际是 major" in failure["failures"][0]
        assert rules.decide("major_matter", bridge)["rule"]["version"] == v

        edit(cases, "expect: {outcome: ordinary}", "expect: {outcome: major}")
        result = rules.publish(_draft(folder))
        assert [(f["area"], f["version"]) for f in result["files"]] == [("major_matter", v + 1)]
        decision = rules.decide("major_matter", bridge)  # in force at once, no restart
        assert decision["outcome"] == "major" and decision["rule"]["version"] == v + 1
        assert [e["data"]["files"][0]["version"] for e in _outbox(config, "policy.published")][-1] == v + 1

        history = rules.history({"area": "major_matter"})
        assert [(h["version"], h["author"], h["message"]) for h in history] == [
            (v + 1, "policy-officer-li", "测试"), (v, "system", history[1]["message"])]
        assert "50000" in rules.show("major_matter", v + 1)["text"]
        assert "+  major_budget_yuan: 50000" in rules.diff("major_matter", v, v + 1)["diff"]

        # Every decision is in the log with its facts, rule and version.
        logged = rules.decisions({"area": "major_matter"})["items"]
        assert [(d["version"], d["outcome"]) for d in logged] == [(v, "ordinary")] * 3 + [(v + 1, "major")]
        assert rules.decision(decision["decision_id"])["facts"] == bridge

        with pytest.raises(ValidationFailed) as bad:
            rules.decide("major_matter", {"scope": "village"})
        assert "estimated_budget" in bad.value.detail["fields"]


def test_a_publication_through_another_instance_is_picked_up_by_the_watcher(container_factory, config, folder):
    from datetime import datetime, timezone
    from services.kernel.db import session_factory
    from services.rules import publishing
    container_factory(RulesService, {**config, "RULES_WATCH_INTERVAL": 0.1}).start()
    facts = {"crowd_share": 0.15, "grant_requested": True}
    with ServiceRpcProxy("rules", config) as rules:
        assert rules.decide("funding_mix", facts)["outcome"] == "release"
        edit(folder / "funding_mix.yaml", "min_crowd_share: 0.1", "min_crowd_share: 0.2")
        bump_version(folder / "funding_mix.yaml")
        draft = _draft(folder)
        engine = make_engine(f"sqlite:///{config['DATA_DIR']}/rules.sqlite")
        try:
            with session_factory(engine)() as session:  # as another replica would
                publishing.publish(session, draft["files"], {}, message="提高自筹比例", author="li",
                                   now=datetime.now(timezone.utc))
                session.commit()
        finally:
            engine.dispose()
        wait.until(lambda: rules.decide("funding_mix", facts)["outcome"] == "hold",
                   message="the watcher to load the published funding_mix v2")


def test_good_deed_becomes_points_decided_with_its_rule(container_factory, config):
    topology.apply(config["AMQP_URI"], [RulesService])
    container_factory(RulesService, config).start()
    envelope = make_envelope("good_deed.verified", {
        "deed_id": "d1", "household_id": "hh-huang", "hamlet_id": "g3", "deed_code": "help_neighbour",
        "verified_by": "cadre-1"})
    with Connection(config["AMQP_URI"], transport_options={"confirm_publish": True}) as conn:
        publish_envelope(conn.Producer(), "proposals.events", "good_deed.verified", json.dumps(envelope))
    [decided] = wait.until(lambda: _outbox(config, "points.decided"), message="points.decided")
    assert decided["data"]["points"] == 5
    assert decided["data"]["cause_event_id"] == envelope["id"]
    assert decided["data"]["rule"] == {"id": "civility_points.award", "policy": "civility_points",
                                       "version": version_of(config_rules(config) / "civility_points.yaml")}


def config_rules(config):
    from pathlib import Path
    return Path(config["RULES_DIR"])


def test_schedules_fire_after_a_restart(container_factory, config):
    first = container_factory(RulesService, config)  # its timer never fires
    first.start()
    with ServiceRpcProxy("rules", config) as rules:
        since = date.today().replace(year=date.today().year - 1).isoformat()
        rules.schedule_review({"subject": "project/bridge", "kind": "major", "since": since})
        assert rules.list_schedules("active")[0]["subject"] == "project/bridge"
    first.stop()
    assert _outbox(config, "review.overdue") == []
    container_factory(RulesService, {**config, "RULES_SCHEDULE_INTERVAL": 0.1}).start()
    [overdue] = wait.until(lambda: _outbox(config, "review.overdue"), message="review.overdue after restart")
    assert overdue["data"]["subject"] == "project/bridge"
    assert overdue["data"]["rule"]["id"] == "reviews.overdue"


def test_a_deed_outside_the_catalogue_is_parked_with_the_codes_then_awarded_once_published(
        container_factory, config, folder):
    from services.kernel import parking
    topology.apply(config["AMQP_URI"], [RulesService])
    container_factory(RulesService, config).start()
    envelope = make_envelope("good_deed.verified", {
        "deed_id": "d9", "household_id": "hh-chen", "hamlet_id": "g3", "deed_code": "river_cleanup",
        "verified_by": "cadre-1"})
    with Connection(config["AMQP_URI"], transport_options={"confirm_publish": True}) as conn:
        publish_envelope(conn.Producer(), "proposals.events", "good_deed.verified", json.dumps(envelope))
    [parked] = wait.until(lambda: parking.list_parked(config["AMQP_URI"]), message="the deed to be parked")
    assert parked.event_id == envelope["id"]
    assert "river_cleanup" in parked.error and "不在积分目录中" in parked.error and "help_neighbour" in parked.error
    assert _outbox(config, "points.decided") == []

    # The staff add the deed to the catalogue and publish it; the parked event is replayed.
    edit(folder / "civility_points.yaml", "    litter:", "    river_cleanup: {label: 清理河道, points: 4, kind: reward, cap_per_period: 16}\n    litter:")
    bump_version(folder / "civility_points.yaml")
    with ServiceRpcProxy("rules", config) as rules:
        result = rules.publish(_draft(folder))
    v = version_of(folder / "civility_points.yaml")
    assert [f["version"] for f in result["files"]] == [v]
    parking.replay(config["AMQP_URI"])
    [decided] = wait.until(lambda: _outbox(config, "points.decided"), message="points for the replayed deed")
    assert (decided["data"]["points"], decided["data"]["rule"]["version"]) == (4, v)


def test_a_batch_of_facts_is_decided_in_one_call_and_each_decision_is_logged(container_factory, config):
    container_factory(RulesService, config).start()
    facts = [{"body": "representatives_assembly", "members": 30, "present": present, "votes_for": votes}
             for present, votes in ((20, 11), (20, 5), (10, 10))]
    with ServiceRpcProxy("rules", config) as rules:
        decided = rules.decide_many("quorum", facts)
        assert [d["outcome"] for d in decided] == [rules.decide("quorum", f)["outcome"] for f in facts]
        assert len({d["outcome"] for d in decided}) == 3    # each fact decided on its own
        assert all(d["rule"]["id"] and d["rule"]["version"] for d in decided)
        logged = rules.decisions({"area": "quorum"})["items"][:3]
        assert [(d["facts"]["present"], d["facts"]["votes_for"], d["outcome"], d["rule"]) for d in logged] == [
            (f["present"], f["votes_for"], d["outcome"], d["rule"]["id"]) for f, d in zip(facts, decided)]
        with pytest.raises(ValidationFailed):
            rules.decide_many("labour", {"check": "eligibility"})
