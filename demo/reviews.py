"""大家评 半年评议, from the seeds: "对村级重要工作和重大项目，实行党员大会和村民代表大会半年评议，让群众当
'评委'、干部来'答题'……对评议中群众提出的合理意见，积极采纳，全力落实。"

伍桂墩村's 党员大会 and 村民代表会议 review the half year's important work and the love supermarket
(registered by the building step) at meetings the proposals service finds held with quorum; each
body's 满意/基本满意/不满意 counts give its result by ``rules/reviews.yaml``; reasonable opinions are
adopted with an owner and a deadline and stay on the village board until carried out.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from services.kernel import periods
from services.kernel.errors import Conflict, NotFound, PolicyRefused

from .planning import PARTY_MEMBERS, REPRESENTATIVES, _people, representatives

WGD = "v-wgd"
PROJECT = "wgd-love-supermarket"


def _rule(rule: dict | None) -> str:
    return f"{rule['id']} v{rule['version']}" if rule else "-"


def run(demo):
    demo.title("大家评 半年评议: 党员大会和村民代表会议评议村级重要工作和重大项目，群众当评委、干部来答题")
    demo.roster()
    secretary = demo.as_("village_cadre", f"village:{WGD}", home="wgd-1-01")        # 伍建国, 村党支部书记
    villager = demo.as_("resident", "household:wgd-3-02").scoring                   # 毕大海's household
    today = periods.local_date(datetime.now(timezone.utc))
    since, reviews = today, {}
    for subject, title, project_id in (("work", "村级重要工作：人居环境整治、乡风文明积分", None),
                                       ("project", "乡风文明爱心超市", PROJECT)):
        try:
            reviews[subject] = _open_review(secretary.scoring, subject, title, project_id, since)
        except PolicyRefused as exc:  # this half year's review has not opened yet: review the last one
            demo.say(f"  {exc.detail['message']}")
            since = periods.bounds(periods.half_of(today))[1].date() - timedelta(days=1)
            reviews[subject] = _open_review(secretary.scoring, subject, title, project_id, since)
    half_year = reviews["work"]["half_year"]
    # the two bodies meet, their members from the registers; proposals judges quorum by the rule
    representatives(secretary.proposals)
    party = secretary.proposals.schedule_meeting({
        "kind": "party_members", "village_id": WGD, "title": f"{half_year} 党员大会 半年评议", "place": "党群服务中心",
        "agenda": [], "attendance": _people(PARTY_MEMBERS[:3]), "minutes": "干部述职答题，党员测评"})
    reps = secretary.proposals.schedule_meeting({
        "kind": "representatives", "village_id": WGD, "title": f"{half_year} 村民代表会议 半年评议",
        "place": "党群服务中心", "agenda": [], "attendance": _people(REPRESENTATIVES[:5]),
        "minutes": "村民代表当评委，现场测评满意度"})
    counts = {("work", "party_members"): (2, 1, 0), ("work", "representatives"): (2, 1, 2),
              ("project", "party_members"): (3, 0, 0), ("project", "representatives"): (4, 1, 0)}
    for subject, review in reviews.items():
        if review["status"] == "completed":
            continue
        for meeting in (party, reps):
            satisfied, basically, unsatisfied = counts[(subject, meeting["kind"])]
            review = secretary.scoring.record_verdict(review["review_id"], {
                "meeting_id": meeting["id"], "satisfied": satisfied, "basically_satisfied": basically,
                "unsatisfied": unsatisfied})
        reviews[subject] = review
    result_text = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
    for review in reviews.values():
        lines = "; ".join(f"{v['body']} {v['present']}/{v['members']} 到会: 满意 {v['satisfaction']['satisfied']}、"
                          f"基本满意 {v['satisfaction']['basically_satisfied']}、不满意 {v['satisfaction']['unsatisfied']}"
                          f" -> {result_text[v['result']]} ({_rule(v['rule'])})" for v in review["verdicts"])
        demo.say(f"  {review['half_year']}「{review['title']}」: {lines}; 评议结果 {result_text[review['result']]}")
    # 合理意见，积极采纳，全力落实
    work = reviews["work"]
    lamps = villager.add_opinion(work["review_id"], {"text": "毕昇老街路灯太少，晚上看不清"})
    ditch = villager.add_opinion(work["review_id"], {"text": "老街组水渠淤塞，雨天积水"})
    secretary.scoring.answer_opinion(lamps["opinion_id"], {
        "answer": "合理意见，采纳：老街加装 6 盏路灯", "adopted": True, "owner": "伍建国",
        "due_on": (today + timedelta(days=30)).isoformat()})
    secretary.scoring.answer_opinion(ditch["opinion_id"], {
        "answer": "合理意见，采纳：组织义务工清淤", "adopted": True, "owner": "毕文斌",
        "due_on": (today + timedelta(days=14)).isoformat()})
    done = secretary.scoring.carry_out_opinion(ditch["opinion_id"], {"note": "老街组 12 户出工，水渠已清淤"})
    demo.say(f"  群众意见「{lamps['text']}」已采纳，责任人 伍建国，30 天内落实（公示至落实为止）")
    demo.say(f"  群众意见「{ditch['text']}」已采纳并落实: {done['done_note']}")


def _open_review(scoring, subject, title, project_id, since):
    try:
        return _when_known(lambda: scoring.open_review({"subject": subject, "title": title, "kind": "major", "village_id": WGD,
                                    "project_id": project_id, "since": since.isoformat()}))
    except Conflict:  # an earlier demo run opened it
        half_year = periods.half_of(since)
        return next(r for r in scoring.list_reviews({"village_id": WGD, "half_year": half_year})
                    if r["project_id"] == project_id and r["title"] == title)


def _when_known(call, attempts=150):
    """The call, once the project it names has reached scoring (project.registered)."""
    for _ in range(attempts):
        try:
            return call()
        except NotFound:
            time.sleep(0.2)
    return call()


