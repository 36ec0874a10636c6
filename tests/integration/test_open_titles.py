"""Done-when of issue 14 (open lists) and issue 16 (award period), over the real broker with the
rules and scoring services as `make run` starts them: the policy staff publish a titles.yaml with
a new title (through the rules service's publish, cases and all), and the next quarter close in
scoring awards it — no code names it. Then they publish `award_every: half_year`, and a first
quarter's close awards nothing while the half year's close does."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.kernel.config import ROOT
from services.kernel.nameko_ext import topology
from services.rules.cli import read_draft
from services.rules.service import RulesService
from services.scoring.service import ScoringService
from services.kernel.nameko_ext.policy import Policy
from tests.support.bus import publish
from tests.support.wait import until
from tests.unit.scoring.test_open_titles import NEW_TITLE, NEW_TITLE_CASES

pytestmark = pytest.mark.integration


def _draft(folder, message):
    files, cases, problems = read_draft(folder)
    assert problems == []
    return {"files": files, "cases": cases, "message": message, "author": "county-policy-zhang"}


def _bump(path, old, new):
    text = path.read_text(encoding="utf-8")
    version = int(text.split("\nversion: ", 1)[1].split("\n", 1)[0])
    assert old in text
    path.write_text(text.replace(old, new, 1).replace(f"\nversion: {version}\n", f"\nversion: {version + 1}\n", 1),
                    encoding="utf-8")
    return version + 1


def test_a_published_new_title_is_awarded_at_the_next_close_and_award_every_follows_the_file(
        container_factory, service_config, tmp_path):
    draft = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", draft, ignore=shutil.ignore_patterns("schema"))
    config = {**service_config, "RULES_DIR": str(draft), "RULES_WATCH_INTERVAL": 0}
    topology.apply(config["AMQP_URI"], [RulesService, ScoringService])
    containers = {cls: container_factory(cls, config) for cls in (RulesService, ScoringService)}
    for container in containers.values():
        container.start()
    scoring_rules = next(d for d in containers[ScoringService].extensions if isinstance(d, Policy)).local

    def publish_and_wait(payload):
        """Published, then in force in scoring once it has heard so (docs/policy-contract.md)."""
        before = scoring_rules.fingerprint
        answer = rpc.rules.publish(payload)
        until(lambda: scoring_rules.fingerprint not in (None, before), timeout=30,
              message="scoring to load the publication in-process")
        return answer
    for household in ("h-1", "h-2"):
        publish(config["AMQP_URI"], "household.registered", {
            "household_id": household, "hamlet_id": "g3", "village_id": "wuguidun", "town_id": "t1",
            "head_name": household, "party_member": False, "hub_household_id": None})

    with ClusterRpcProxy(config, timeout=60) as rpc:
        s = rpc.scoring
        until(lambda: all(_known(s, h) for h in ("h-1", "h-2")), message="scoring to know the households")

        def rate(household, quarter, stars=10):
            """Ten stars: 20 points of quarterly_rating in that quarter (2 a star), all its honour."""
            s.rate_household({"household_id": household, "quarter": quarter, "stars": stars, "rated_by": "board"})
            pending = s.list_entries({"household_id": household, "status": "pending"})
            s.approve_points({"entry_ids": [e["entry_id"] for e in pending], "cadre_id": "cadre"})

        rate("h-1", "2025Q2")
        before = s.close_quarter({"village_id": "wuguidun", "quarter": "2025Q2", "closed_by": "town"})
        assert before["titles"] == [] and before["period"] == "2025Q2"

        # The staff add 热心公益户 to the draft, with their cases, and publish it.
        titles = draft / "titles.yaml"
        version = _bump(titles, "    good_daughter_in_law:", NEW_TITLE + "    good_daughter_in_law:")
        (draft / "tests" / "titles.yaml").write_text(NEW_TITLE_CASES, encoding="utf-8")
        published = publish_and_wait(_draft(draft, "新设热心公益户称号"))
        assert [(f["area"], f["version"]) for f in published["files"]] == [("titles", version)]

        rate("h-2", "2025Q3")
        closed = s.close_quarter({"village_id": "wuguidun", "quarter": "2025Q3", "closed_by": "town"})
        assert [(t["household_id"], t["code"], t["period"], t["rule"]["version"]) for t in closed["titles"]] == [
            ("h-2", "public_spirited_household", "2025Q3", version)]
        assert closed["parked"] == []
        assert [t["code"] for t in s.list_titles({"code": "public_spirited_household"})] == ["public_spirited_household"]

        # Titles every half year from now on: Q1 closes with ratings only, Q2 awards for 2026H1.
        _bump(titles, "award_every: quarter", "award_every: half_year")
        publish_and_wait(_draft(draft, "称号改为每半年评一次"))
        rate("h-1", "2026Q1")
        q1 = s.close_quarter({"village_id": "wuguidun", "quarter": "2026Q1", "closed_by": "town"})
        assert (q1["period"], q1["titles"], q1["award_every"]) == (None, [], "half_year")
        rate("h-1", "2026Q2")
        q2 = s.close_quarter({"village_id": "wuguidun", "quarter": "2026Q2", "closed_by": "town"})
        assert [(t["code"], t["period"]) for t in q2["titles"]] == [("public_spirited_household", "2026H1")]


def _known(scoring, household_id):
    from services.kernel.errors import NotFound
    try:
        scoring.get_household(household_id)
        return True
    except NotFound:
        return False
