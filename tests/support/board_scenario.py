"""A village's public life as events, for the board's tests: 伍桂墩村 from the seeds, plus the
private matters that must never reach its board (``PRIVATE``)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from services.kernel import events

T0 = datetime(2026, 6, 5, 1, 0, tzinfo=timezone.utc)   # 09:00 in Shanghai
VILLAGE = "v-wgd"
RULE = {"id": "major_matter.budget", "version": 1, "policy": "major_matter"}
QUORUM = {"id": "quorum.assembly", "version": 1, "policy": "quorum"}

HOUSEHOLDS = [  # id, hamlet, hamlet name, head, party member (must never show)
    ("wgd-1-01", "wgd-1", "伍家垸", "伍建国", True), ("wgd-1-02", "wgd-1", "伍家垸", "伍长林", False),
    ("wgd-1-04", "wgd-1", "伍家垸", "刘桂兰", False), ("wgd-2-02", "wgd-2", "桂花垸", "桂春华", False),
    ("wgd-3-03", "wgd-3", "老街组", "毕文斌", True),
]

# Strings of private matters sent below: none may appear on a public page.
PRIVATE = ["乱扔垃圾罚分待批", "举报邻居占道", "basically_qualified", "基本合格", "党员户", "wgd-r-07",
           "110101199003071234", "13800138000"]


def ev(name, data, minutes=0, subject=None):
    return events.parse_envelope(events.make_envelope(name, data, subject=subject,
                                                      time=T0 + timedelta(minutes=minutes)))


def village_events(tag: str = "") -> list:
    """The story as parsed events; ``tag`` makes every id its own (``v-wgd`` -> ``v-wgd<tag>``) so a
    test can tell it on a stack that others use too."""
    if not tag:
        return _story()
    out = []
    for e in _story():
        data = json.loads(json.dumps(e.envelope["data"]).replace("wgd-", f"wgd{tag}-").replace(
            '"v-wgd"', f'"v-wgd{tag}"').replace("lyc-yw", f"lyc{tag}-yw").replace('"v-lyc"', f'"v-lyc{tag}"')
            .replace('"p-', f'"p{tag}-'))
        out.append(events.parse_envelope(events.make_envelope(e.name, data, time=e.time)))
    return out


def _story() -> list:
    out = []
    for household, hamlet, hamlet_name, head, party in HOUSEHOLDS:
        out.append(ev("household.registered", {
            "household_id": household, "hamlet_id": hamlet, "village_id": VILLAGE, "town_id": "t-xx",
            "head_name": head, "party_member": party, "hub_household_id": None,
            "village_name": "伍桂墩村", "hamlet_name": hamlet_name}))
    out.append(ev("household.registered", {
        "household_id": "lyc-yw-01", "hamlet_id": "lyc-yw", "village_id": "v-lyc", "town_id": "t-xx",
        "head_name": "彭乃国", "party_member": False, "hub_household_id": None,
        "village_name": "xx村（旅游村）", "hamlet_name": "阴湾"}))
    at = (T0 + timedelta(hours=2)).isoformat()
    votes = [("v-hamlet", "hamlet_meeting", 52, 36, 33, 1, 2, False),
             ("v-party", "party_members_meeting", 35, 28, 26, 1, 1, True),
             ("v-reps", "representatives_assembly", 30, 22, 19, 2, 1, True)]
    for n, (vote_id, body, members, present, yes, no, abstain, counts) in enumerate(votes):
        out.append(ev("vote.recorded", {
            "vote_id": vote_id, "motion_id": "m-bisheng", "meeting_id": f"mt-{n}", "village_id": VILLAGE,
            "hamlet_id": "wgd-3", "body": body, "method": "tally", "members": members, "present": present,
            "votes_for": yes, "votes_against": no, "abstain": abstain, "outcome": "approved", "counts": counts,
            "rule": QUORUM, "recorded_by": "wgd-secretary", "recorded_at": at}, minutes=10 + n))
    out.append(ev("motion.decided", {
        "motion_id": "m-bisheng", "village_id": VILLAGE, "hamlet_id": "wgd-3", "title": "毕昇老街人居环境整治",
        "outcome": "approved", "matter": "major", "rule": RULE, "decided_at": at, "estimated_budget": "350000",
        "bodies": [{"body": "party_members_meeting", "outcome": "approved", "vote_id": "v-party", "rule": QUORUM},
                   {"body": "representatives_assembly", "outcome": "approved", "vote_id": "v-reps", "rule": QUORUM}]},
        minutes=20))
    funding_rule = {"id": "funding.participation_first", "version": 1, "policy": "funding"}
    ranking = [
        {"request_id": "r1", "hamlet_id": "wgd-1", "project_id": "p-xf1", "rank": 1, "participation_rate": 0.75,
         "amount": "60000.00", "funded": True, "granted": "60000.00",
         "reason": "第1名：参与率 75%，申请 60000.00 元，预算足够，予以资助", "requested_at": at},
        {"request_id": "r2", "hamlet_id": "wgd-2", "project_id": "p-xf2", "rank": 2, "participation_rate": 0.5,
         "amount": "60000.00", "funded": False, "granted": "0.00",
         "reason": "第2名：参与率 50%，申请 60000.00 元，余额 30000.00 元不足，本轮不予资助", "requested_at": at}]
    out.append(ev("funding_round.allocated", {
        "round_id": "t-xx-1", "budget": "90000.00", "ranking": ranking, "remaining": "30000.00",
        "override": {"order": ["r1", "r2"], "by": "镇长王明", "why": "伍家垸先行整治排水，避免汛期内涝"},
        "reason": "按参与率从高到低排序", "cause_event_id": "x", "rule": funding_rule}, minutes=30))
    for n, r in enumerate(ranking):
        out.append(ev("funding.allocated", {
            "round_id": "t-xx-1", "request_id": r["request_id"], "project_id": r["project_id"],
            "hamlet_id": r["hamlet_id"], "rank": r["rank"], "funded": r["funded"], "granted": r["granted"],
            "status": "released" if r["funded"] else "unfunded", "reason": r["reason"], "rule": funding_rule},
            minutes=31 + n))
    out.append(ev("project.registered", {
        "project_id": "p-bisheng", "name": "毕昇老街人居环境整治", "scope": "hamlet", "village_id": VILLAGE,
        "hamlet_id": "wgd-3", "budget": "350000.00",
        "mix": {"grant": "250000.00", "sponsor": "60000.00", "crowd": "40000.00"}}, minutes=40))
    money = [("e1", "wgd-1-01", "sponsor", "5000.00"), ("e2", "wgd-1-02", "crowd", "2000.00"),
             ("e3", None, "grant", "250000.00")]
    for n, (entry, household, source, amount) in enumerate(money):
        out.append(ev("contribution.recorded", {
            "entry_id": entry, "kind": "money", "household_id": household, "resident_id": None,
            "hamlet_id": "wgd-3" if household is None else household.rsplit("-", 1)[0], "project_id": "p-bisheng",
            "hours": None, "amount": amount, "items": None, "reversal_of": None, "source": source}, minutes=41 + n))
    out.append(ev("contribution.recorded", {
        "entry_id": "e4", "kind": "materials", "household_id": "wgd-3-03", "resident_id": None, "hamlet_id": "wgd-3",
        "project_id": "p-bisheng", "hours": None, "amount": None, "reversal_of": None,
        "items": [{"name": "石磙", "count": 8}, {"name": "磨盘", "count": 7}], "land_area_m2": "120"}, minutes=45))
    out.append(ev("contribution.recorded", {
        "entry_id": "e5", "kind": "labour", "household_id": "wgd-1-02", "resident_id": None, "hamlet_id": "wgd-1",
        "project_id": "p-bisheng", "hours": "16", "amount": None, "items": None, "reversal_of": None}, minutes=46))
    out.append(ev("donation.recorded", {
        "donation_id": "d1", "village_id": VILLAGE, "kind": "money", "donor_name": "村干部和党员",
        "amount": "20000.00", "total_money": "20000.00"}, minutes=50))
    out.append(ev("title.awarded", {
        "title_id": "t1", "household_id": "wgd-1-04", "code": "good_mother_in_law", "quarter": "2026Q2",
        "honour_points": 120, "rating_stars": 9, "rule": {"id": "titles.good_mother_in_law", "version": 1}},
        minutes=60))
    out.append(ev("beautiful_hamlet.decided", {
        "application_id": "a1", "hamlet_id": "wgd-1", "village_id": VILLAGE, "year": "2026", "outcome": "awarded",
        "total": "92.0", "threshold": "85", "satisfaction": "0.93",
        "rule": {"id": "beautiful_hamlet.awarded", "version": 1}}, minutes=61))
    out.append(ev("suggestion.filed", {
        "suggestion_id": "s1", "village_id": VILLAGE, "hamlet_id": "wgd-3", "resident_id": "wgd-3-03-1",
        "title": "整治毕昇老街，老物件就地利用", "filed_at": T0.isoformat()}, minutes=0))
    out.append(ev("suggestion.answered", {
        "suggestion_id": "s1", "village_id": VILLAGE, "hamlet_id": "wgd-3", "resident_id": "wgd-3-03-1",
        "outcome": "merged", "answer": "已并入垸组提议「毕昇老街人居环境整治」", "answered_by": "wgd-secretary",
        "motion_id": "m-bisheng", "answered_at": (T0 + timedelta(hours=1)).isoformat()}, minutes=5))
    out.append(ev("review.completed", {
        "review_id": "rv1", "project_id": "p-bisheng", "kind": "major", "half_year": "2026H1",
        "verdicts": [{"body": "party_members_meeting", "score": 92, "votes": None, "recorded_by": "x"}],
        "open_opinions": 0, "rule": {"id": "reviews.due", "version": 2}}, minutes=70))
    # -- private matters: never on the board --
    out.append(ev("points.recorded", {
        "entry_id": "pe1", "household_id": "wgd-2-02", "points": -5, "status": "pending",
        "reason": "乱扔垃圾罚分待批", "spendable_balance": 0, "honour_balance": 0,
        "rule": {"id": "civility_points.litter", "version": 1}}, minutes=80))
    out.append(ev("report.filed", {
        "report_id": "rp1", "village_id": VILLAGE, "hamlet_id": "wgd-3", "at": T0.isoformat(),
        "resident_id": "wgd-r-07", "category": "complaint", "title": "举报邻居占道"}, minutes=81))
    out.append(ev("party_member.assessed", {
        "assessment_id": "pa1", "resident_id": "wgd-1-01-1", "household_id": "wgd-1-01", "category": "in_office",
        "half_year": "2026H1", "outcome": "basically_qualified", "score": 70,
        "rule": {"id": "party_assessment.grade", "version": 1}}, minutes=82))
    return out


PUBLICITY_PARAMS = {"policy": "publicity", "version": 1,
                    "params": {"notice_days": {"decision": 7, "allocation": 7, "accounts": 5, "title": 7, "award": 7}}}
