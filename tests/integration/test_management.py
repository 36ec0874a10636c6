"""三线共管 across the services over the real broker, with the real rules service and rule files:

- the roster (contributions ``household.registered``) gives management its households; the hub
  household elected in management takes over the roster's 1+10 links;
- a resident's report filed in proposals is routed by management's rule to the road's
  public-welfare post (``report.routed``), proposals assigns it, the post resolves it, the
  reporter confirms; management's workload for the post follows every step;
- the hamlet overview answers the operator's questions from the running services.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.contributions.service import ContributionsService
from services.kernel.nameko_ext import topology
from services.management.service import ManagementService
from services.proposals.service import ProposalsService
from services.rules.service import RulesService
from tests.support.wait import until

pytestmark = pytest.mark.integration

SERVICES = [RulesService, ProposalsService, ContributionsService, ManagementService]


def _heard(proposals) -> bool:
    try:
        return proposals.body_members({"kind": "hamlet", "village_id": VILLAGE, "hamlet_id": HAMLET})["members"] > 0
    except Exception:  # noqa: BLE001  ValidationFailed: not on proposals' roster yet
        return False
ROSTER = Path(__file__).resolve().parents[2] / "services" / "contributions" / "samples" / "wuguidun_roster.csv"
VILLAGE, HAMLET, HUB = "v-wgd", "wgd-1", "wgd-1-01"


def test_a_report_is_routed_to_the_roads_post_assigned_fixed_and_counted(container_factory, service_config):
    topology.apply(service_config["AMQP_URI"], SERVICES)
    for cls in SERVICES:
        container_factory(cls, {**service_config, "RULES_WATCH_INTERVAL": 0}).start()

    with ClusterRpcProxy(service_config, timeout=30) as rpc:
        p, c, m = rpc.proposals, rpc.contributions, rpc.management
        c.import_roster({"filename": ROSTER.name, "content": ROSTER.read_text(encoding="utf-8")})
        m.register_area({"area_id": "wgd-1-road", "village_id": VILLAGE, "hamlet_id": HAMLET, "kind": "road",
                         "name": "伍家垸 进垸路"})
        post = m.register_post({"village_id": VILLAGE, "hamlet_id": HAMLET, "title": "伍家垸道路保洁员",
                                "holder_resident_id": "wgd-1-03-1", "holder_name": "伍德胜",
                                "holder_household_id": "wgd-1-03", "duties": ["road_upkeep"],
                                "area_id": "wgd-1-road", "schedule": ["friday"], "by": "wgd-1-01-1"})

        # -- 1+10: the roster's households arrive; the elected hub takes over its links ----------
        until(lambda: m.linkage_coverage(HAMLET)["households"] >= 4, timeout=30,
              message="management to read the roster's household.registered")
        until(lambda: _heard(p), timeout=60,
              message="proposals to read the roster's household.registered")
        m.form_party_group({"village_id": VILLAGE, "hamlet_id": HAMLET, "leader_resident_id": "wgd-1-01-1",
                            "leader_name": "伍建国"})
        person = {"resident_id": "wgd-1-01-2", "name": "陈秀英"}
        m.elect_hub({"household_id": HUB, "party_member_id": "wgd-1-01-1", "party_member_name": "伍建国",
                     "head": person, "eco_manager": person, "mediator": person, "by": "wgd-1-01-1"})
        who = m.household_responsible("wgd-1-02")
        assert who["hub"]["hub_household_id"] == HUB and who["hub"]["party_member_name"] == "伍建国"

        # -- 我来提: proposals -> management routes by rule -> proposals assigns ---------------------
        report = p.file_report({"village_id": VILLAGE, "hamlet_id": HAMLET, "resident_id": "wgd-1-02-1",
                                "household_id": "wgd-1-02", "category": "ditch", "title": "进垸路边沟堵了"})
        assigned = until(lambda: (r := p.get_report(report["id"]))["state"] == "assigned" and r, timeout=30,
                         message="proposals to assign the report on management's report.routed")
        assert assigned["assignee_id"] == post["post_id"]
        assert "management.route_road" in assigned["history"][-1]["why"]
        p.resolve_report(report["id"], {"by": "wgd-1-03-1", "note": "清了淤泥"})
        p.confirm_report(report["id"], {"resident_id": "wgd-1-02-1", "satisfied": True})
        load = until(lambda: (w := m.post_workload(post["post_id"]))["closed"] == 1 and w, timeout=30,
                     message="management to follow the report to its close")
        assert load["open"] == 0 and load["median_response_hours"] is not None

        # -- the operator's view of the hamlet -------------------------------------------------
        view = m.hamlet_overview(HAMLET)
        assert view["open_reports"] == [] and view["overdue_fix_orders"] == 0
        assert [a["posts"][0]["holder_name"] for a in view["areas"]] == ["伍德胜"]
        # the post holder's household took part: the resolved report counts, weighted by rule
        assert view["participation"]["activities"] == {"report_handled": 1}
        assert view["participation"]["counted_household_ids"] == ["wgd-1-03"]
        # ... and contributions' participation rate (the one 参与优先 funding ranks on) counts it
        moved = until(lambda: (r := c.get_participation(HAMLET))["rate"] > r["rate_without_co_management"] and r,
                      timeout=30, message="contributions to count co_management.counted")
        assert moved["rate_without_co_management"] == 0 and moved["participating_households"] == 1


def test_demo_management_tells_the_seeds_stories(container_factory, service_config, capsys):
    from demo import management
    from demo.__main__ import Demo

    topology.apply(service_config["AMQP_URI"], SERVICES)
    for cls in SERVICES:
        container_factory(cls, {**service_config, "RULES_WATCH_INTERVAL": 0}).start()
    with Demo(service_config) as demo:
        management.run(demo)
    out = capsys.readouterr().out
    assert "人居环境监督小组: elected at the meeting (黄远山, 黄远福), 授牌 by 驻村干部" in out
    assert "按规则 management.route_road v1 交给 三组道路保洁员（公益岗 周师傅）" in out
    assert "1 closed, 0 open" in out
    assert "(every Friday by rule): 3/3 households, 4 people, 每户至少 1 人" in out
    assert "(management.fix_deadline_days.default v1)" in out and "re-checked by the group: passed" in out
    assert "秸秆粉碎机 ×4: custodian 高党员" in out and "now working" in out
    assert "0 open reports (0 overdue), 0 open fix orders (0 overdue)" in out
