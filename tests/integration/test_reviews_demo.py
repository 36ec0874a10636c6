"""The 半年评议 demo step over the real broker, with the real services it crosses: contributions
(the roster, and project.registered for scoring's project read model), proposals (the meetings
and their quorum, asked over RPC), the real rules service deciding from rules/reviews.yaml and
rules/quorum.yaml, scoring (reviews, verdicts, opinions) and identity (the people's tokens)."""
from __future__ import annotations

import pytest

from services.contributions.service import ContributionsService
from services.identity.service import IdentityService
from services.kernel.nameko_ext import topology
from services.proposals.service import ProposalsService
from services.rules.service import RulesService
from services.scoring.service import ScoringService
from tests.support.sink import Sink

pytestmark = pytest.mark.integration


def test_demo_half_year_review_runs_end_to_end(container_factory, service_config, capsys):
    from demo import reviews
    from demo.__main__ import Demo

    services = [RulesService, ContributionsService, ScoringService, ProposalsService, IdentityService]
    topology.apply(service_config["AMQP_URI"], services)
    with Sink(service_config["AMQP_URI"], "scoring.events") as sink, \
            Sink(service_config["AMQP_URI"], "contributions.events"), Sink(service_config["AMQP_URI"], "rules.events"), \
            Sink(service_config["AMQP_URI"], "proposals.events"):
        for cls in services:
            container_factory(cls, service_config).start()
        with Demo(service_config) as demo:
            demo.roster()
            demo.as_("village_cadre", "village:v-wgd").contributions.register_project({
                "project_id": reviews.PROJECT, "name": "乡风文明爱心超市 love supermarket", "scope": "village",
                "village_id": "v-wgd", "budget": "20000", "mix": {"grant": "0", "sponsor": "11000", "crowd": "9000"}})
            reviews.run(demo)
        out = capsys.readouterr().out
        with capsys.disabled():  # visible with -s, like `make demo`
            print(out)
        completed = {e["subject"]: e for e in sink.wait_for("review.completed", 2)}
        assert (completed["project"]["project_id"], completed["project"]["result"]) == (reviews.PROJECT, "satisfied")
        assert completed["work"]["result"] == "basically_satisfied"   # 3 of 5 representatives: below 80%
        assert all(v["rule"]["id"].startswith("reviews.") for e in completed.values() for v in e["verdicts"])
        assert {v["body"] for v in completed["work"]["verdicts"]} == {"party_members_meeting", "representatives_assembly"}
        adopted = [e for e in sink.wait_for("opinion.answered", 2) if e["status"] == "adopted"]
        assert {e["owner"] for e in adopted} == {"伍建国", "毕文斌"}
        assert sink.wait_for("opinion.carried_out", 1)[0]["text"] == "老街组水渠淤塞，雨天积水"
        assert "评议结果 满意" in out and "评议结果 基本满意" in out
