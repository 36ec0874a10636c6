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
from tests.unit.rules.helpers import bump_version, copy_rules, edit

pytestmark = pytest.mark.service


@pytest.fixture
def folder(tmp_path):
    return copy_rules(tmp_path)


@pytest.fixture
def config(service_config, folder):
    return {**service_config, "RULES_DIR": str(folder), "RULES_WATCH_INTERVAL": 0,
            "RULES_SCHEDULE_INTERVAL": 0}


def _outbox(config, event_type):
    engine = make_engine(f"sqlite:///{config['DATA_DIR']}/rules.sqlite")
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(outbox_table.c.body).where(outbox_table.c.event_type == event_type)).all()
    finally:
        engine.dispose()
    return [json.loads(r.body) for r in rows]


def test_decide_reload_and_a_refused_reload_over_rpc(container_factory, config, folder):
    container_factory(RulesService, config).start()
    bridge = {"scope": "village", "estimated_budget": 80000}
    with ServiceRpcProxy("rules", config) as rules:
        assert rules.decide("major_matter", bridge)["outcome"] == "ordinary"
        assert rules.params("funding_mix")["params"]["min_crowd_share"] == 0.1
        edit(folder / "major_matter.yaml", "major_budget_yuan: 100000", "major_budget_yuan: 50000")
        bump_version(folder / "major_matter.yaml")
        status = rules.reload()
        assert {"policy": "major_matter", "version": 2} in [
            {"policy": f["policy"], "version": f["version"]} for f in status["files"]]
        decision = rules.decide("major_matter", bridge)
        assert decision["outcome"] == "major" and decision["rule"]["version"] == 2

        edit(folder / "major_matter.yaml", "major_budget_yuan: 50000", "major_budget_yuan: -1")
        with pytest.raises(ValidationFailed) as refused:
            rules.reload()
        [problem] = refused.value.detail["problems"]
        assert problem["file"].endswith("major_matter.yaml") and problem["line"]
        assert rules.decide("major_matter", bridge)["rule"]["version"] == 2  # still in force
        with pytest.raises(ValidationFailed) as bad:
            rules.decide("major_matter", {"scope": "village"})
        assert "estimated_budget" in bad.value.detail["fields"]


def test_a_saved_file_is_picked_up_by_the_watcher(container_factory, config, folder):
    container_factory(RulesService, {**config, "RULES_WATCH_INTERVAL": 0.1}).start()
    with ServiceRpcProxy("rules", config) as rules:
        assert rules.decide("funding_mix", {"crowd_share": 0.15, "grant_requested": True})["outcome"] == "release"
        edit(folder / "funding_mix.yaml", "min_crowd_share: 0.1", "min_crowd_share: 0.2")
        bump_version(folder / "funding_mix.yaml")
        wait.until(lambda: rules.decide("funding_mix", {"crowd_share": 0.15, "grant_requested": True})["outcome"] == "hold",
                   message="the watcher to reload funding_mix")


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
    assert decided["data"]["rule"] == {"id": "civility_points.award", "version": 3, "policy": "civility_points"}


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
