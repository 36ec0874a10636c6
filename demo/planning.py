"""五字共谋 co-planning, from the seeds: 伍桂墩村 Wuguidun village's 毕昇老街 Bisheng Old Street.

学 learn, 看 look, then 议 discuss: a resident's suggestion on the 回音墙 echo wall becomes a
垸组提议 hamlet motion, a hamlet meeting backs it, and because the rule classes it as a 重大事务
major matter, 定 decide needs BOTH the 党员会 party members' meeting AND the 代表会 villagers'
representatives' assembly. Then 大事小事我来提 and 好人好事 from the same village.
"""
from __future__ import annotations

import json
from datetime import date

VILLAGE = "v-wgd"                    # 伍桂墩村 (as on the sample roster)
HAMLET = "wgd-1"                     # 伍家垸, the old-street hamlet (垸组)

# Everyone named here is on the sample roster (services/contributions/samples/wuguidun_roster.csv).
WUJIAYUAN = ["wgd-1-01-1", "wgd-1-01-2", "wgd-1-02-1", "wgd-1-03-1", "wgd-1-03-2", "wgd-1-04-1", "wgd-1-05-1"]
VILLAGERS = WUJIAYUAN + ["wgd-2-01-1", "wgd-2-02-1", "wgd-2-03-1", "wgd-2-04-1",
                         "wgd-3-01-1", "wgd-3-02-1", "wgd-3-03-1", "wgd-3-04-1"]
PARTY_MEMBERS = ["wgd-1-01-1", "wgd-1-05-1", "wgd-2-01-1", "wgd-3-01-1"]   # 伍建国 伍志强 桂明山 毕文斌
# 村民代表, elected by the hamlets for the village committee's five-year term
REPRESENTATIVES = ["wgd-1-01-1", "wgd-1-02-1", "wgd-2-02-1", "wgd-2-03-1", "wgd-3-02-1", "wgd-3-03-1"]
TERM = {"term_start": f"{date.today().year - 1}-01-01", "term_end": f"{date.today().year + 3}-12-31"}


def representatives(proposals) -> list[dict]:
    """伍桂墩村's 村民代表 register, made once (the register keeps them from one demo to the next)."""
    serving = {r["resident_id"] for r in proposals.list_representatives({"village_id": VILLAGE}) if r["serving"]}
    for person in REPRESENTATIVES:
        if person not in serving:
            proposals.register_representative({"village_id": VILLAGE, "resident_id": person, **TERM})
    return proposals.list_representatives({"village_id": VILLAGE})


def _people(residents: list[str]) -> list[dict]:
    return [{"resident_id": r} for r in residents]


def _rule(rule: dict) -> str:
    return f"{rule['id']} v{rule['version']}"


def run(demo):
    demo.title("五字共谋 co-planning: 毕昇老街 Bisheng Old Street, 伍桂墩村 Wuguidun")
    demo.roster()
    # each step is done by a person who may do it, with a token of their own
    secretary = demo.as_("village_cadre", f"village:{VILLAGE}", home="wgd-1-01").proposals  # 村党支部书记
    head = demo.as_("hamlet_head", f"hamlet:{HAMLET}").proposals                             # 垸组长
    resident = demo.as_("resident", "household:wgd-1-03").proposals                         # 伍德胜's household
    neighbour = demo.as_("resident", "household:wgd-1-04").proposals

    # 学 and 看: attendance is participation, counted by contributions for the hamlet.
    learn = secretary.record_activity({"kind": "learn", "format": "study_session", "village_id": VILLAGE,
                               "hamlet_id": HAMLET, "topic": "共同缔造是什么、为什么、怎么做",
                               "place": "红星之家",
                               "attendance": _people(VILLAGERS[:13])})
    look = head.record_activity({"kind": "look", "format": "comparison", "village_id": VILLAGE,
                              "hamlet_id": HAMLET, "topic": "三比三看: hamlet vs hamlet on environment",
                              "attendance": _people(WUJIAYUAN[:5])})
    demo.say(f"学 study session at 红星之家: {learn['present']} residents; "
             f"看 comparison visit: {look['present']} residents")

    # 议: 群众建议 → 垸组提议.
    suggestion = resident.file_suggestion({
        "village_id": VILLAGE, "hamlet_id": HAMLET, "resident_id": "wgd-1-03-1",
        "household_id": "wgd-1-03", "title": "整治毕昇老街，老物件就地利用",
        "body": "Renovate the old street; we can give the two vacant plots and the old stone "
                "rollers, mortars, drums and millstones."})
    demo.say(f"回音墙 suggestion {suggestion['id']}: {suggestion['title']}")
    neighbour.endorse_suggestion(suggestion["id"], {"note": "老街该修了"})   # 最紧迫: one per household
    motion = head.create_motion({
        "village_id": VILLAGE, "hamlet_id": HAMLET, "scope": "village",
        "title": "毕昇老街人居环境整治",
        "description": "Two vacant plots ceded free; 30+ stone rollers, mortars, drums, millstones "
                       "and landscape stones donated and reused on site.",
        "estimated_budget": "350000", "kind": "public_works",
        "contribution_kinds": ["money", "labour", "materials"],
        "suggestion_ids": [suggestion["id"]]})
    motion = head.transition_motion(motion["id"], {"action": "raise",
                                                "why": "from the residents' suggestion"})
    demo.say(f"垸组提议 {motion['id']} raised: {motion['matter']} matter "
             f"({motion['matter_reason']}; rule {_rule(motion['matter_rule'])})")
    demo.say(f"  must be approved by: {', '.join(motion['required_bodies'])}")
    resident.endorse_motion(motion["id"], {"note": "群众最关心"})
    motion = resident.get_motion(motion["id"])
    demo.say(f"  附议 endorsed by {motion['endorsing_households']} households (the suggestion's and the "
             f"motion's, one per household): its urgency for the funding ranking")
    answered = resident.get_suggestion(suggestion["id"])
    demo.say(f"  the suggestion's public answer: {answered['outcome']} — {answered['answer']}")

    # 共同商议 joint deliberation opens: the hamlet meeting first, then the village bodies.
    secretary.transition_motion(motion["id"], {"action": "deliberate",
                                       "why": "joint deliberation: hamlet meeting, 党员会, 代表会"})
    hamlet = head.schedule_meeting({"kind": "hamlet", "village_id": VILLAGE, "hamlet_id": HAMLET,
                                 "title": "垸组会", "place": "议事亭",
                                 "agenda": [motion["id"]],
                                 "attendance": _people(WUJIAYUAN[:6]),
                                 "minutes": "Residents agree to cede the plots and donate old stones."})
    vote = secretary.record_vote(hamlet["id"], motion["id"], {"tally": {"for": 5, "against": 0, "abstain": 1}})
    demo.say(f"垸组会 at 议事亭, {hamlet['present']}/{hamlet['members']} of 伍家垸's residents on the roster "
             f"present: {vote['votes_for']} for, "
             f"{vote['votes_against']} against — {vote['outcome']} "
             f"({'decides' if vote['counts'] else 'advisory: a major matter goes to the village bodies'})")

    # 定: both village bodies.
    # 定: both village bodies, their members from the registers (quorum is counted, never typed in).
    party = secretary.schedule_meeting({"kind": "party_members", "village_id": VILLAGE, "title": "党员会",
                                "place": "党群服务中心", "agenda": [motion["id"]]})
    try:
        secretary.hold_meeting(party["id"], {"attendance": _people(PARTY_MEMBERS[:3] + ["wgd-1-02-1"])})
    except Exception as exc:  # noqa: BLE001  ValidationFailed across RPC (or, on a second run, held already)
        detail = getattr(exc, "detail", None) or {}
        reason = ((detail.get("fields") or {}).get("attendance") or [detail.get("message") or str(exc)])[0]
        demo.say(f"党员会 attendance with 伍长林, who is not a party member, refused: {reason}")
    party = secretary.hold_meeting(party["id"], {"attendance": _people(PARTY_MEMBERS[:3])})
    vote = secretary.record_vote(party["id"], motion["id"], {"tally": {"for": 3, "against": 0, "abstain": 0}})
    demo.say(f"党员会 {party['present']}/{party['members']} party members on the roster present: "
             f"{vote['votes_for']} for — {vote['outcome']} "
             f"({vote['reason']}; rule {_rule(vote['rule'])})")
    demo.say(f"  motion is still {vote['motion_state']}: one body is not enough for a major matter")

    register = representatives(secretary)
    demo.say(f"村民代表 register of {VILLAGE}: " + ", ".join(
        f"{r['name']} ({r['term_start'][:4]}–{r['term_end'][:4]})" for r in register if r["serving"]))
    reps = secretary.schedule_meeting({"kind": "representatives", "village_id": VILLAGE, "title": "代表会",
                               "place": "党群服务中心", "agenda": [motion["id"]],
                               "attendance": _people(REPRESENTATIVES[:5])})
    ballots = [{"voter_id": r, "choice": "for" if i < 4 else "abstain"} for i, r in enumerate(REPRESENTATIVES[:5])]
    vote = secretary.record_vote(reps["id"], motion["id"], {"ballots": ballots})
    demo.say(f"代表会 {reps['present']}/{reps['members']} representatives present, {len(ballots)} ballots: "
             f"{vote['votes_for']} for, "
             f"{vote['votes_against']} against, {vote['abstain']} abstain — {vote['outcome']}")

    decided = resident.get_motion(motion["id"])
    demo.say(f"大家事，大家定: the motion is {decided['state']}")
    for body in decided["bodies"]:
        demo.say(f"  {body['body']}: {body['outcome']} (vote {body['vote_id']})")
    demo.say("  its recorded steps:")
    for step in decided["steps"]:
        demo.say(f"   {step['seq']}. {step['from_state'] or '-'} → {step['to_state']} "
                 f"({step['action']} by {step['by']}{': ' + step['why'] if step['why'] else ''})")

    # 大事小事我来提 and 好人好事我来讲 in the same village.
    report = neighbour.file_report({"village_id": VILLAGE, "hamlet_id": HAMLET, "resident_id": "wgd-1-04-1",
                                    "household_id": "wgd-1-04",
                            "category": "ditch", "title": "Ditch blocked behind the old street"})
    secretary.assign_report(report["id"], {"assignee_type": "public_welfare_post",
                                           "assignee_id": "wgd-post-cleaner"})
    head.resolve_report(report["id"], {"note": "the public-welfare post cleared it on cleaning day"})
    report = neighbour.confirm_report(report["id"], {"resident_id": "wgd-1-04-1", "satisfied": True})
    demo.say(f"大事小事我来提: '{report['title']}' → "
             + " → ".join(f"{h['action']}" for h in report["history"]))
    deed = resident.report_good_deed({"village_id": VILLAGE, "hamlet_id": HAMLET, "household_id": "wgd-1-02",
                                      "resident_id": "wgd-1-02-1", "deed_code": "donate_materials",
                               "description": "donated an old millstone to the old street"})
    deed = secretary.verify_good_deed(deed["id"], {})
    demo.say(f"好人好事: {deed['description']} — {deed['state']} (rules turn it into points)")

    try:
        demo.wait_for(lambda: any(motion["id"] in json.dumps(item, ensure_ascii=False)
                                  for item in demo.board()), "the decision on the public board", timeout=15)
        demo.say("一体共享: the decision is on the public board")
    except Exception as exc:  # noqa: BLE001  the board is the notifications service's story
        demo.say(f"(public board not showing it yet: {exc})")
