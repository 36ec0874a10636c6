"""双向共评 two-way evaluation and the 清洁日 of 三线共管, from the seeds.

- 伍桂墩村: quarterly civility points (乡风文明积分), approved by a cadre, spent at the
  乡风文明爱心超市 love supermarket that cadres and party members funded with 20,000 yuan;
  好婆婆 earned at the quarter's end.
- The village on G209, group 3: Friday cleaning day; the elected hub household (党员中心户)
  inspects its linked yards and praises 黄远福's: "你这个院子真是收得干净".
- 最美垸落: 伍家垸 applies, the town task force scores it on site against the published criteria
  and surveys the residents; the rule's weights and threshold decide.
"""
from __future__ import annotations

from datetime import datetime, timezone

from services.kernel.errors import Conflict, PolicyRefused, ValidationFailed
from services.kernel import periods
from services.kernel.identity import Forbidden

WGD = "v-wgd"


def _rule(rule: dict | None) -> str:
    return f"{rule['id']} v{rule['version']}" if rule else "-"


def _once(demo, what, call):
    """Steps that happen once per quarter or year say so on a second run instead of failing."""
    try:
        return call()
    except Conflict as exc:
        demo.say(f"  ({what}: {exc} — done in an earlier run)")
        return None


def run(demo):
    demo.roster()
    s = demo.rpc.scoring   # the platform's own reads (is a household known yet)
    # each step is done by a person who may do it, with a token of their own
    cadre = demo.as_("village_cadre", f"village:{WGD}", home="wgd-1-01").scoring     # 伍建国
    changlin = demo.as_("resident", "household:wgd-1-02").scoring                     # 伍长林's household
    guilan = demo.as_("resident", "household:wgd-1-04").scoring                       # 刘桂兰's household
    hub = demo.as_("hub_household", "household:g209-3-01").scoring                    # G209 三组's 中心户
    far_hub = demo.as_("hub_household", "household:wgd-1-01").scoring
    head = demo.as_("hamlet_head", "hamlet:wgd-1").scoring                            # 伍家垸's head
    town = demo.as_("town_staff", "town:t-xx").scoring                                # the town task force
    now = datetime.now(timezone.utc)
    quarter, week = periods.quarter_of(now), periods.week_of(now)
    demo.title("双向共评 two-way evaluation: points, love supermarket, cleaning day, most beautiful hamlet")

    # The households come from the contributions roster (household.registered -> scoring's read model).
    demo.wait_for(lambda: _known(s, "g209-3-02") and _known(s, "wgd-1-04"), "households known to scoring")

    # -- 乡风文明积分 quarterly civility points -------------------------------------------------
    demo.say(f"\n乡风文明积分 {quarter} at 伍桂墩村 (rule file civility_points):")
    deeds = [("wgd-1-04", "wgd-1-04-1", "filial_piety", "孝老爱亲: cares for her bedridden mother-in-law")] * 2 + \
            [("wgd-1-04", "wgd-1-04-1", "help_neighbour", "邻里互助: helped neighbours with the rice harvest")] * 4 + \
            [("wgd-1-04", "wgd-1-04-1", "mediation", "参与调解: settled a boundary dispute")] * 3 + \
            [("wgd-1-04", "wgd-1-04-1", "useful_suggestion", "回音墙建议被采纳: street lamps by the pond")] * 2 + \
            [("wgd-1-02", "wgd-1-02-1", "help_neighbour", "邻里互助: repaired the lane")] * 2 + \
            [("wgd-1-02", "wgd-1-02-1", "donate_materials", "捐物: an old millstone for 毕昇老街")] + \
            [("wgd-2-02", "wgd-2-02-1", "litter", "乱扔垃圾: rubbish by the canal")]
    for household, resident, code, why in deeds:
        cadre.record_points({"household_id": household, "resident_id": resident, "deed_code": code,
                             "source": "penalty" if code == "litter" else "manual", "reason": why})
    pending = [e for h in ("wgd-1-04", "wgd-1-02", "wgd-2-02")
               for e in cadre.list_entries({"household_id": h, "status": "pending", "limit": 500})]
    capped = [e for e in cadre.list_entries({"household_id": "wgd-1-04", "quarter": quarter, "limit": 500})
              if e["requested_points"] != e["points"]]
    if pending:
        cadre.approve_points({"entry_ids": [e["entry_id"] for e in pending]})
        demo.say(f"  村干部 伍建国 approved {len(pending)} entries; each keeps its rule, e.g. "
                 f"{pending[0]['deed_code']} -> {_rule(pending[0]['rule'])}")
    if capped:
        demo.say(f"  caps per quarter hold: {len(capped)} of 刘桂兰's entries were cut to the cap "
                 f"({capped[0]['reason']})")
    for household, name in (("wgd-1-04", "刘桂兰"), ("wgd-1-02", "伍长林"), ("wgd-2-02", "桂春华")):
        b = cadre.get_balance(household)
        demo.say(f"  {name} ({household}): spendable {b['spendable']}, honour {b['honour']}")

    for household, stars, nominations in (("wgd-1-04", 9, [{"title": "good_mother_in_law", "resident_id": "wgd-1-04-1"}]),
                                          ("wgd-1-02", 8, []), ("wgd-2-02", 5, [])):
        rated = _once(demo, f"rating of {household}", lambda: cadre.rate_household({
            "household_id": household, "quarter": quarter, "stars": stars, "nominations": nominations,
            }))
        if rated and rated.get("entry_id"):
            entry = cadre.get_entry(rated["entry_id"])
            demo.say(f"  rating {household}: {stars} stars -> {entry['points']} points by {entry['deed_code']} "
                     f"({_rule(entry['rule'])}, pending approval)")
    demo.say(f"  道德评议会 rated the households for {quarter} (刘桂兰 9 stars, nominated 好婆婆)")

    # -- 爱心超市 love supermarket ---------------------------------------------------------------
    demo.say("\n爱心超市 伍桂墩村's love supermarket:")
    cadre.record_donation({"village_id": WGD, "kind": "money", "donor_name": "村干部和党员 cadres and party members",
                           "amount": "20000.00", "description": "建设乡风文明爱心超市"})
    soap = cadre.add_goods({"village_id": WGD, "name": "洗衣粉 washing powder", "price_points": 8, "stock": 20})
    oil = cadre.add_goods({"village_id": WGD, "name": "食用油 cooking oil", "price_points": 15, "stock": 10})
    cadre.record_donation({"village_id": WGD, "kind": "goods", "donor_name": "毕文斌", "goods_id": soap["goods_id"],
                           "quantity": 10})
    donations = cadre.list_donations({"village_id": WGD})
    demo.say(f"  donations so far: {donations['total_money']} 元 in money; 洗衣粉 stock "
             f"{cadre.get_goods(soap['goods_id'])['stock']} after 毕文斌 gave 10")
    redemption = changlin.request_redemption({"household_id": "wgd-1-02", "goods_id": oil["goods_id"]})
    cadre.complete_redemption(redemption["redemption_id"], {})
    demo.say(f"  伍长林 exchanged {redemption['points']} points for 食用油; balance now "
             f"{changlin.get_balance('wgd-1-02')['spendable']} spendable, honour unchanged "
             f"{changlin.get_balance('wgd-1-02')['honour']}")
    try:
        changlin.request_redemption({"household_id": "wgd-1-02", "goods_id": oil["goods_id"]})
    except (Conflict, PolicyRefused) as exc:
        demo.say(f"  a second 食用油 is refused: {exc}")
    try:
        changlin.request_redemption({"household_id": "wgd-1-04", "goods_id": soap["goods_id"]})
    except Forbidden as exc:
        demo.say(f"  伍长林 cannot spend 刘桂兰's points: {exc}")
    mum = guilan.request_redemption({"household_id": "wgd-1-04", "goods_id": soap["goods_id"], "quantity": 2})
    cadre.complete_redemption(mum["redemption_id"], {})
    demo.say(f"  刘桂兰 took 2 洗衣粉 for {mum['points']} points")

    # -- 清洁日 Friday cleaning day on G209, group 3 -----------------------------------------------
    demo.say("\n清洁日 Friday cleaning day, xx村 (G209) 三组, inspected by the hub household 高党员:")
    try:
        far_hub.record_inspection({"household_id": "g209-3-02", "score": 90, "grade": "excellent"})
    except (Forbidden, ValidationFailed) as exc:
        demo.say(f"  an inspector not linked to the yard is refused: {exc}")
    for household, score, grade, remark in (("g209-3-02", 96, "excellent", "你这个院子真是收得干净"),
                                            ("g209-3-03", 82, "good", "柴堆码放整齐，排水沟还要清一清")):
        done = _once(demo, f"inspection of {household} in {week}", lambda: hub.record_inspection({
            "household_id": household, "score": score, "grade": grade,
            "remarks": remark}))
        if done:
            if done["entry_id"]:
                entry = hub.get_entry(done["entry_id"])
                points = f"{entry['points']} points by {entry['deed_code']} (pending approval)"
            else:
                points = f"no points: the catalogue does not price a {grade} yard"
            demo.say(f"  {household}: {score}/100 {grade} \"{remark}\" -> {points}")
    hygiene = demo.rpc.scoring.rankings({"level": "hygiene", "period": week})
    for row in hygiene["rows"][:3]:
        demo.say(f"  比一比 {week}: #{row['rank']} hamlet {row['hamlet_id']} average {row['average_score']}")

    # -- 最美垸落 most beautiful hamlet ------------------------------------------------------------
    demo.say("\n最美垸落: 伍家垸 applies; the town task force assesses it:")
    criteria = demo.rpc.rules.params("beautiful_hamlet")["params"]["criteria"]
    application = _once(demo, "伍家垸's application this year", lambda: head.apply_beautiful_hamlet({
        "hamlet_id": "wgd-1", "village_id": WGD, "town_id": "t-xx", "statement": "幸福新垸 人居环境提升"}))
    if application:
        scores = {c: 92 for c in criteria}
        town.record_hamlet_scores(application["application_id"], {"scores": scores})
        town.record_hamlet_survey(application["application_id"], {"respondents": 60, "satisfied": 56})
        decided = town.decide_beautiful_hamlet(application["application_id"], {})
        demo.say(f"  on-site {', '.join(f'{c} {v}' for c, v in scores.items())}; satisfaction 56/60")
        demo.say(f"  -> {decided['status']}: total {decided['total']} against threshold {decided['threshold']} "
                 f"({_rule(decided['rule'])})")

    # -- 评星评优 titles at the quarter's end, and the public board -------------------------------
    closed = _once(demo, f"closing {quarter}", lambda: cadre.close_quarter({"village_id": WGD, "quarter": quarter}))
    if closed:
        names = {"ten_star_household": "十星级文明户", "good_mother_in_law": "好婆婆", "good_daughter_in_law": "好媳妇"}
        for title in closed["titles"]:
            demo.say(f"  评星评优 {quarter}: {names[title['code']]} -> household {title['household_id']} "
                     f"(honour {title['honour_points']}, {title['rating_stars']} stars, {_rule(title['rule'])})")
        if not closed["titles"]:
            demo.say(f"  评星评优 {quarter}: no household reached a title's threshold")
    board = demo.rpc.scoring.rankings({"level": "household", "period": quarter, "village_id": WGD, "limit": 3})
    demo.say(f"\n排行榜 {quarter}, 伍桂墩村 households:")
    for row in board["rows"]:
        demo.say(f"  #{row['rank']} {row['head_name']} ({row['hamlet_id']}): {row['points']} points")
    for row in demo.rpc.scoring.rankings({"level": "hamlet", "period": quarter, "village_id": WGD})["rows"]:
        demo.say(f"  hamlet #{row['rank']} {row['hamlet_id']}: {row['points_per_household']} points per household")


def _known(s, household_id):
    from services.kernel.errors import NotFound
    try:
        return s.get_household(household_id)
    except NotFound:
        return None
