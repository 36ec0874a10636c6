"""四出共建 co-building, from the seeds: 出人 出资 出力 出物 and the 四个一律.

- 伍桂墩村: the 乡风文明爱心超市 love supermarket, 20,000 yuan given by cadres and party members
  with residents; 毕昇老街, where residents ceded 2 vacant plots (余基空坪) and gave 30+ stone
  rollers, mortars, drums, millstones and landscape stones, all reused on site.
- A village's cross-river bridge: residents raised 280,000 yuan.
- The tourist village: 660 m² of old houses, pigsties and cowsheds demolished without
  compensation; party members first in the voluntary labour.
- Participation first: the hamlet whose residents take part most is funded first.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "services" / "contributions" / "samples" / "wuguidun_roster.csv"


def _rule(rule: dict) -> str:
    return f"{rule['id']} v{rule['version']}"


def _yuan(text: str) -> str:
    return f"{Decimal(text):,.2f} 元"


def run(demo):
    demo.title("四出共建 co-building: people, money, labour, materials")
    demo.roster()
    # each step is done by a person who may do it, with a token of their own
    wgd = demo.as_("village_cadre", "village:v-wgd", home="wgd-1-01").contributions   # 伍桂墩村's cadre
    lyc = demo.as_("village_cadre", "village:v-lyc").contributions                    # the tourist village's
    town = demo.as_("town_staff", "town:t-xx").contributions                          # xx镇: grants, sponsors, rounds
    owner = demo.as_("resident", "household:lyc-yw-02").contributions                 # whose old house came down

    # -- 出资: the love supermarket, 20,000 yuan --------------------------------------------
    shop = wgd.register_project({
        "project_id": "wgd-love-supermarket", "name": "乡风文明爱心超市 love supermarket",
        "scope": "village", "village_id": "v-wgd", "budget": "20000",
        "mix": {"grant": "0", "sponsor": "11000", "crowd": "9000"}})
    givers = [("wgd-1-01-1", "5000", "sponsor"), ("wgd-2-01-1", "3000", "sponsor"),
              ("wgd-3-01-1", "3000", "sponsor"), ("wgd-1-02-1", "2000", "crowd"),
              ("wgd-1-03-1", "2000", "crowd"), ("wgd-2-02-1", "1500", "crowd"),
              ("wgd-2-04-1", "1500", "crowd"), ("wgd-3-02-1", "1000", "crowd"), ("wgd-3-04-1", "1000", "crowd")]
    for resident, amount, source in givers:
        (town if source == "sponsor" else wgd).record_contribution({"kind": "money", "resident_id": resident, "amount": amount, "source": source,
                               "project_id": shop["project_id"], "note": "捐资爱心超市"})
    shop = demo.wait_for(lambda: (p := wgd.get_project(shop["project_id"]))["status"] == "funded" and p,
                         "the love supermarket funded")
    demo.say(f"爱心超市: cadres and party members led, {len(givers)} households gave "
             f"{_yuan(shop['total_raised'])} (sponsor {_yuan(shop['raised']['sponsor'])}, "
             f"crowd {_yuan(shop['raised']['crowd'])}) -> {shop['status']}")

    # -- 出资: the bridge, 280,000 yuan crowd-funded -----------------------------------------
    bridge = lyc.register_project({
        "project_id": "lyc-bridge", "name": "跨河大桥 cross-river bridge", "scope": "village",
        "village_id": "v-lyc", "budget": "280000", "mix": {"grant": "0", "sponsor": "0", "crowd": "280000"}})
    pledges = {"lyc-yw-01": "60000", "lyc-yw-02": "50000", "lyc-yw-03": "45000", "lyc-yw-04": "40000",
               "lyc-tj-01": "45000", "lyc-tj-02": "40000"}
    for household, amount in pledges.items():
        lyc.record_contribution({"kind": "money", "household_id": household, "amount": amount,
                               "source": "crowd", "project_id": bridge["project_id"]})
    bridge = lyc.get_project(bridge["project_id"])
    demo.say(f"跨河大桥: {len(pledges)} households crowd-funded {_yuan(bridge['raised']['crowd'])} "
             f"({bridge['progress']['crowd']:.0%} of the crowd share) -> {bridge['status']}  "
             "「修一座桥不容易，建设我们出了资，管护大家都要上」")

    # -- 出力: party members and cadres go first ------------------------------------------
    road = lyc.register_project({
        "project_id": "lyc-yw-yards", "name": "阴湾 yards and road", "scope": "hamlet",
        "village_id": "v-lyc", "hamlet_id": "lyc-yw", "budget": "16500",
        "mix": {"grant": "0", "sponsor": "15000", "crowd": "1500"}})
    for resident, days in (("lyc-yw-01-1", "2"), ("lyc-yw-02-1", "1.5"), ("lyc-yw-04-1", "1")):
        lyc.record_contribution({"kind": "labour", "resident_id": resident, "quantity": days, "unit": "days",
                               "project_id": road["project_id"]})
    town.record_contribution({"kind": "money", "resident_id": "lyc-yw-02-1", "amount": "9800", "source": "sponsor",
                           "project_id": road["project_id"], "note": "彭乃国 打通坎上坎下路，花墙10余米"})
    town.record_contribution({"kind": "money", "resident_id": "lyc-yw-03-1", "amount": "5000", "source": "sponsor",
                           "project_id": road["project_id"], "note": "彭乃然 拓宽门前路"})
    lyc.record_contribution({"kind": "money", "household_id": "lyc-yw-04", "amount": "1500", "source": "crowd",
                           "project_id": road["project_id"], "note": "阴湾合资收购废旧房屋"})
    road = lyc.get_project(road["project_id"])
    demo.say(f"阴湾: 彭乃国 (over 70) and 彭乃然 paid {_yuan(road['raised']['sponsor'])} for their roads, "
             f"neighbours pooled {_yuan(road['raised']['crowd'])}; labour led by the party secretary -> "
             f"leadership {road['leadership']} ({road['leadership_reason']})")
    helped = lyc.record_contribution({"kind": "labour", "resident_id": "lyc-tj-02-1", "quantity": "4",
                                      "unit": "hours", "project_id": road["project_id"]})
    demo.say(f"小组事小组上 assigns responsibility, not a ban: a 唐家院子 neighbour's 4 hours on 阴湾's project "
             f"are counted for {helped['hamlet_id']}" + (f" and flagged: {helped['flag']['reason']}" if helped["flag"] else ""))
    everyone = lyc.record_contribution({"kind": "labour", "resident_id": "lyc-tj-02-1", "quantity": "1",
                                        "unit": "days", "project_id": bridge["project_id"]})
    demo.say(f"全村事大家上: labour on the village-wide bridge is recorded ({everyone['hours']} h, "
             f"counted for {everyone['hamlet_id']})")

    # -- 四个一律: 660 m² demolished, never compensated -------------------------------------
    knocked = [("old_house", "400", "lyc-yw-02"), ("pigsty", "160", "lyc-yw-03"), ("cowshed", "100", "lyc-yw-04")]
    # the register first: what is to be removed (一律拆除 by the rule), standing until it comes down
    listed = {household: lyc.list_structure({"structure_type": structure, "household_id": household,
                                             "area_m2": area})
              for structure, area, household in knocked}
    standing = lyc.list_structures({"village_id": "v-lyc", "status": "standing", "structure_type": "dry_toilet"})
    toilet = standing[0] if standing else lyc.list_structure({"structure_type": "dry_toilet",
                                                              "household_id": "lyc-yw-01", "location": "屋后"})
    first = None
    for structure, area, household in knocked:
        d = lyc.register_demolition({"structure_id": listed[household]["structure_id"], "area_m2": area,
                                   "demolished_on": date.today().isoformat(), "project_id": road["project_id"],
                                   "salvaged_items": [{"name": "旧青砖 old bricks", "count": 200}]
                                   if structure == "old_house" else None})
        first = first or d
    total = sum(Decimal(a) for _s, a, _h in knocked)
    demo.say(f"四个一律: {total} m² of old houses, pigsties and cowsheds removed; "
             f"cleared land -> {len(knocked)} public-use parcels used by 阴湾's yards and road; old bricks reused on site")
    standing = lyc.list_structures({"village_id": "v-lyc", "status": "standing", "must_remove": True})
    demo.say(f"  一律拆除 still standing on the register: {len(standing)} "
             f"(e.g. {toilet['structure_type']} of {toilet['household_id']}, {toilet['location']})")
    try:
        owner.claim_compensation(first["demolition_id"], {"amount": "8000"})
        demo.say("!! a compensation claim was accepted: check rules/demolition.yaml")
    except Exception as exc:  # PolicyRefused (HTTP 422)
        demo.say(f"  compensation claim refused: {exc.detail['reason']} (rule {_rule(exc.detail['rule'])})")

    # -- 出物: 毕昇老街, 2 vacant plots and 30+ old stones ---------------------------------------
    street = wgd.register_project({
        "project_id": "wgd-bisheng", "name": "毕昇老街人居环境整治", "scope": "hamlet",
        "village_id": "v-wgd", "hamlet_id": "wgd-3", "budget": "350000",
        "mix": {"grant": "250000", "sponsor": "60000", "crowd": "40000"}})
    for household, area in (("wgd-3-02", "120"), ("wgd-3-04", "85")):
        wgd.record_contribution({"kind": "materials", "household_id": household, "land_area_m2": area,
                               "project_id": street["project_id"], "note": "无偿出让余基空坪"})
    stones = [("石磙 stone roller", 8), ("石碓 stone mortar", 6), ("石鼓 stone drum", 4),
              ("磨盘 millstone", 7), ("景观石 landscape stone", 7)]
    wgd.record_contribution({"kind": "materials", "household_id": "wgd-3-03", "project_id": street["project_id"],
                           "items": [{"name": n, "count": k} for n, k in stones], "valuation": "0"})
    totals = wgd.contribution_totals({"project_id": street["project_id"]})
    items = totals["materials"]["items"]
    demo.say(f"毕昇老街: 2 vacant plots ({totals['materials']['land_area_m2']} m²) ceded free, "
             f"{sum(items.values())} old stones given: " + ", ".join(f"{n} ×{k}" for n, k in items.items()))

    # -- participation first: 哪个垸组积极性高，哪个垸组先立项 ------------------------------
    for hamlet, name in (("wgd-1", "伍家垸"), ("wgd-2", "桂花垸"), ("wgd-3", "老街组")):
        p = wgd.get_participation(hamlet)
        demo.say(f"参与率 {name} {p['period']}: {p['participating_households']}/{p['roster_households']} "
                 f"households = {p['rate']:.0%}")
    projects = {}
    for hamlet in ("wgd-1", "wgd-2"):
        projects[hamlet] = wgd.register_project({
            "project_id": f"{hamlet}-xingfu", "name": "幸福新垸 happy new hamlet", "scope": "hamlet",
            "village_id": "v-wgd", "hamlet_id": hamlet, "budget": "100000",
            "mix": {"grant": "60000", "sponsor": "20000", "crowd": "20000"}})
        wgd.record_contribution({"kind": "money", "household_id": f"{hamlet}-02", "amount": "20000",
                               "source": "crowd", "project_id": projects[hamlet]["project_id"]})
    round_id = "t-xx-round-1"
    town.open_funding_round({"round_id": round_id, "name": "xx镇 共同缔造 funding round", "level": "town",
                          "area_id": "t-xx", "budget": "90000"})
    for hamlet, project in projects.items():
        wgd.submit_funding_request(round_id, {"project_id": project["project_id"], "amount": "60000"})
    town.close_funding_round(round_id, {})
    allocated = demo.wait_for(lambda: (r := town.get_funding_round(round_id))["status"] == "allocated" and r,
                              "the rules service to rank the funding round")
    demo.say(f"funding round {round_id}: budget {_yuan(allocated['budget'])}, rule {_rule(allocated['rule'])}")
    for request in sorted(allocated["requests"], key=lambda r: r["rank"]):
        demo.say(f"  #{request['rank']} {request['hamlet_id']} participation {request['participation_rate']:.0%}: "
                 f"granted {_yuan(request['granted'])} ({request['grant_status']}) — {request['reason']}")
