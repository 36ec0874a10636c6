"""三线共管 co-management, from the seeds:

- xx乡: "参会群众还现场选出了…第一个村人居环境监督小组，驻村干部为…监督小组授了牌".
- G209 三组: "村民与公益性岗位一起共同承担三组沿线共同区域的管理责任" — a resident's report
  about the roadside is routed by rule to the road's public-welfare post, fixed and confirmed.
- "每周五作为…清洁日": the Friday cleaning day, "每户家庭中至少有一人参与"; the elected hub
  household praises 黄远福's yard.
- "采购秸秆粉碎机4台，村民自行使用管护": the four straw shredders and their custodian.
Each step names its actor explicitly (the identity service will vouch for them).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "services" / "contributions" / "samples" / "wuguidun_roster.csv"
VILLAGE, HAMLET = "v-g209", "g209-3"
SECRETARY, CADRE = "g209-3-01-1", "驻村干部"     # the party member 高党员; the resident cadre


def _rule(rule: dict) -> str:
    return f"{rule['id']} v{rule['version']}"


def run(demo):
    m, p, c = demo.rpc.management, demo.rpc.proposals, demo.rpc.contributions
    demo.title("三线共管 co-management: who manages what, and how the village keeps what it built")
    c.import_roster({"filename": SAMPLE.name, "content": SAMPLE.read_text(encoding="utf-8")})
    demo.wait_for(lambda: m.linkage_coverage(HAMLET)["households"] >= 3, "the roster's households in management")

    # -- 制度监管: the supervision group elected at the meeting, and its plaque ---------------
    group = m.register_body({
        "village_id": VILLAGE, "kind": "environment_supervision_group", "name": "人居环境监督小组",
        "term_start": date.today().isoformat(), "elected_at_meeting": "民意征集会", "by": SECRETARY,
        "members": [{"resident_id": "g209-3-03-1", "name": "黄远山", "role": "leader", "household_id": "g209-3-03"},
                    {"resident_id": "g209-3-02-1", "name": "黄远福", "household_id": "g209-3-02"}]})
    group = m.award_plaque(group["body_id"], {"by": CADRE})
    demo.say(f"{group['name']}: elected at the meeting ({', '.join(x['name'] for x in group['members'])}), "
             f"授牌 by {group['plaque_awarded_by']}")

    # -- 组织领管: the roadside stretch and its public-welfare post ---------------------------
    area = m.register_area({"area_id": "g209-3-roadside", "village_id": VILLAGE, "hamlet_id": HAMLET,
                            "kind": "road", "name": "三组 G209 国道沿线",
                            "shared_by": ["g209-3-01", "g209-3-02", "g209-3-03"]})
    post = m.register_post({"village_id": VILLAGE, "hamlet_id": HAMLET, "title": "三组道路保洁员",
                            "holder_resident_id": "g209-post-1", "holder_name": "公益岗 周师傅",
                            "duties": ["road_upkeep"], "duty_text": "路边杂草、白色垃圾、边沟",
                            "area_id": area["area_id"], "schedule": ["monday", "friday"], "by": SECRETARY})
    who = m.area_responsible(area["area_id"])
    demo.say(f"{area['name']}: 定岗定责 {who['posts'][0]['holder_name']} ({', '.join(post['schedule'])}), "
             f"shared with {len(who['shared_by'])} households (大家的路大家管)")

    # -- 我来提: a report routed to the road's post, fixed, confirmed -------------------------
    report = p.file_report({"village_id": VILLAGE, "hamlet_id": HAMLET, "resident_id": "g209-3-02-1",
                            "household_id": "g209-3-02", "category": "litter",
                            "title": "国道边白色垃圾又多了", "location": "三组 G209 沿线"})
    # assigned, or further on when an earlier demo run already filed it (the run is replayed)
    assigned = demo.wait_for(lambda: (r := p.get_report(report["id"]))["state"] != report["state"] and r,
                             "the report routed by management and assigned in proposals")
    routed = next(h for h in assigned["history"] if h["action"] == "assign")
    demo.say(f"我来提 '{report['title']}' -> {routed['why']}")
    p.resolve_report(report["id"], {"by": "g209-post-1", "note": "清理干净，和村民一起"})
    p.confirm_report(report["id"], {"resident_id": "g209-3-02-1", "satisfied": True})
    load = demo.wait_for(lambda: (w := m.post_workload(post["post_id"]))["closed"] and w,
                         "management to see the report closed")
    demo.say(f"fixed and confirmed by the reporter: {post['title']} has {load['closed']} closed, "
             f"{load['open']} open, median response {load['median_response_hours']} h")

    # -- 清洁日: this week's Friday, turnout per household -------------------------------------
    today = datetime.now(timezone.utc).date()
    [day] = m.schedule_cleaning_days({"village_id": VILLAGE, "hamlet_ids": [HAMLET],
                                      "start": (today - timedelta(days=6)).isoformat(), "weeks": 1})
    result = m.record_turnout(day["cleaning_day_id"], {"turnout": {"g209-3-01": 2, "g209-3-02": 1, "g209-3-03": 1},
                                                       "by": SECRETARY})
    demo.say(f"清洁日 {result['day']} (every {date.fromisoformat(result['day']).strftime('%A')} by rule): "
             f"{result['households_met']}/{result['households']} households, {result['people']} people, "
             f"每户至少 {result['min_people_per_household']} 人")
    inspection = m.record_inspection({
        "body_id": group["body_id"], "hamlet_id": HAMLET, "area_id": area["area_id"],
        "inspectors": ["g209-3-03-1"], "note": "看一看、评一评、比一比：黄远福的小院收得干净",
        "findings": [{"finding": "三岔口边沟有碎石", "severity": "default"}]})
    [order] = inspection["fix_orders"]
    demo.say(f"监督小组 inspected: '{order['finding']}' -> fix order to the road's post by "
             f"{order['deadline'][:10]} ({order['rule']['id']} v{order['rule']['version']})")
    m.mark_fixed(order["order_id"], {"by": "g209-post-1", "note": "碎石清走"})
    order = m.recheck_fix_order(order["order_id"], {"passed": True, "by": "g209-3-03-1"})
    demo.say(f"re-checked by the group: {order['state']}")

    # -- 管护: the four straw shredders and their custodian -------------------------------------
    shredders = m.register_facility({"village_id": VILLAGE, "hamlet_id": HAMLET, "kind": "straw_shredder",
                                     "name": "秸秆粉碎机", "quantity": 4, "custodian_resident_id": "g209-3-01-1",
                                     "custodian_name": "高党员", "by": SECRETARY})
    fault = m.report_fault(shredders["facility_id"], {"description": "一台皮带断了", "by": "g209-3-02-1"})
    m.fix_fault(fault["fault_id"], {"by": "g209-3-01-1", "note": "换了皮带"})
    shredders = m.get_facility(shredders["facility_id"])
    demo.say(f"秸秆粉碎机 ×{shredders['facility']['quantity']}: custodian {shredders['facility']['custodian_name']}, "
             f"村民自行使用管护; {len(shredders['faults'])} fault fixed, now {shredders['facility']['condition']}")

    # -- the operator's view of the hamlet ---------------------------------------------------
    view = m.hamlet_overview(HAMLET)
    share = view["participation"]
    demo.say(f"三组 overview: {len(view['open_reports'])} open reports ({view['overdue_reports']} overdue), "
             f"{len(view['open_fix_orders'])} open fix orders ({view['overdue_fix_orders']} overdue); "
             f"co-management {share['period']}: {share['counted_households']}/{share['roster_households']} "
             f"households count ({share['activities']})")
