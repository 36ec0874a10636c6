"""The evaluation demo step over the real broker: contributions' roster feeds scoring's read
model (household.registered), the real rules service answers from rules/*.yaml, and scoring's
events are published (a sink takes them, as the notifications service would)."""
from __future__ import annotations

import pytest

from services.contributions.service import ContributionsService
from services.kernel.nameko_ext import topology
from services.scoring.service import ScoringService
from tests.support.sink import Sink

pytestmark = pytest.mark.integration


def test_demo_evaluation_runs_end_to_end(container_factory, service_config, capsys):
    from demo import evaluation
    from demo.__main__ import Demo
    from services.rules.service import RulesService

    from services.identity.service import IdentityService  # the people's tokens
    services = [RulesService, ContributionsService, ScoringService, IdentityService]
    topology.apply(service_config["AMQP_URI"], services)
    with Sink(service_config["AMQP_URI"], "scoring.events") as sink, \
            Sink(service_config["AMQP_URI"], "contributions.events"), Sink(service_config["AMQP_URI"], "rules.events"):
        for cls in services:
            container_factory(cls, service_config).start()
        with Demo(service_config) as demo:
            evaluation.run(demo)
        out = capsys.readouterr().out
        with capsys.disabled():  # visible with -s, like `make demo`
            print(out)
        # the supermarket's 20,000 yuan are on the co-building ledger, never recorded a second time here
        assert "built with the 20,000 yuan on the 四出 ledger" in out and "donations so far: 0.00 元 in money" in out
        assert "你这个院子真是收得干净" in out and "an inspector not linked to the yard is refused" in out
        # every grade and the quarterly rating are priced by the catalogue (civility_points v2+)
        assert "points by cleaning_day_excellent" in out and "points by cleaning_day_good" in out
        from services.rules.engine import PolicyBook, rules_dir
        per_star = PolicyBook(rules_dir()).decide("civility_points", {"deed_code": "quarterly_rating"})["values"]["points"]
        assert f"rating wgd-1-04: 9 stars -> {9 * per_star} points by quarterly_rating" in out
        assert "-> awarded" in out and "beautiful_hamlet.awarded v" in out
        assert "好婆婆 -> household wgd-1-04" in out
        assert "a second 食用油 is refused" in out
        # the household board puts 刘桂兰 first
        board = out.split("households:")[1].splitlines()
        assert board[1].strip().startswith("#1 刘桂兰")
        assert sink.wait_for("beautiful_hamlet.decided") and sink.wait_for("title.awarded")
        assert {e["status"] for e in sink.wait_for("redemption.recorded", 4)} == {"pending", "done"}
