"""标题 Chinese headlines for the public board, built from an event's data and the names directory.

Plain functions: ``headline(name, data, names)`` where ``names(id)`` gives a village's, hamlet's or
household head's name (or None). A headline never shows a raw id: an unknown place is described.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Callable

Names = Callable[[str | None], str | None]

BODY = {"villagers_meeting": "村民会议", "representatives_assembly": "村民代表会议",
        "party_members_meeting": "党员大会", "hamlet_meeting": "垸组会", "household_heads_meeting": "户主会"}
VOTE = {"approved": "通过", "rejected": "未通过", "no_quorum": "未达法定人数", None: "待表决"}
MATTER = {"major": "重大事务", "ordinary": "一般事务"}
TITLE = {"ten_star_household": "十星级文明户", "good_mother_in_law": "好婆婆", "good_daughter_in_law": "好媳妇"}
SOURCE = {"grant": "上级补助", "sponsor": "能人捐资", "crowd": "群众自筹"}
SOURCE_SHORT = {"grant": "上级", "sponsor": "能人", "crowd": "群众"}
KIND = {"people": "出人", "money": "出资", "labour": "出力", "materials": "出物"}
STRUCTURE = {"old_house": "旧房", "pigsty": "猪圈", "cowshed": "牛栏", "dry_toilet": "旱厕",
             "illegal_building": "违章建筑"}
SUGGESTION = {"adopted": "已采纳", "merged": "已并入提议", "declined": "不予采纳"}
GRANT_STATUS = {"released": "已拨付", "held": "暂缓拨付", "unfunded": "未获资助"}
REVIEW_KIND = {"major": "重大项目", "small": "小项目"}
PUBLICITY_KIND = {"decision": "决定", "allocation": "资金分配", "accounts": "项目账目", "title": "评星评优",
                  "award": "最美垸落"}
OBJECTION = {"upheld": "异议成立", "dismissed": "异议不成立"}
LEVEL = {"hamlet": "垸组", "village": "村", "town": "镇", "county": "县"}


def yuan(value) -> str:
    try:
        return f"{Decimal(str(value)):,.2f} 元"
    except (InvalidOperation, TypeError):
        return "—"


def percent(rate) -> str:
    return f"{float(rate) * 100:.0f}%" if rate is not None else "—"


def place(names: Names, ident: str | None, kind: str) -> str:
    """A place or household by name; never its id."""
    name = names(ident) if ident else None
    if name:
        return name
    return {"village": "本村", "hamlet": "某垸组", "household": "某户"}[kind]


def vote_line(vote: dict) -> str:
    return (f"{BODY.get(vote['body'], '会议')}应到 {vote['members']} 人、实到 {vote['present']} 人，"
            f"赞成 {vote['votes_for']}、反对 {vote['votes_against']}、弃权 {vote['abstain']}，"
            f"{VOTE.get(vote['outcome'], vote['outcome'])}")


def headline(name: str, data: dict, names: Names) -> str:
    builder = _BUILDERS.get(name)
    return builder(data, names) if builder else ""


def _motion_decided(d, names):
    bodies = "、".join(BODY.get(b["body"], b["body"]) for b in d.get("bodies", []))
    verdict = "通过" if d["outcome"] == "approved" else "未通过"
    return f"「{d['title']}」经{bodies}表决{verdict}（{MATTER.get(d['matter'], '')}）"


def _vote(d, names):
    return f"{BODY.get(d['body'], '会议')}表决：{vote_line(d)}"


def _allocated(d, names):
    hamlet = place(names, d["hamlet_id"], "hamlet")
    project = names(d["project_id"])
    what = f"「{project}」" if project else ""
    if d["funded"]:
        return f"{hamlet}{what}排第 {d['rank']} 名，获资助 {yuan(d['granted'])}（{GRANT_STATUS[d['status']]}）"
    return f"{hamlet}{what}排第 {d['rank']} 名，本轮未获资助"


def _round_allocated(d, names):
    funded = sum(1 for r in d["ranking"] if r["funded"])
    return f"参与优先资金分配：预算 {yuan(d['budget'])}，{len(d['ranking'])} 个垸组申请，{funded} 个获资助"


def _grant(d, names):
    return f"{place(names, d['hamlet_id'], 'hamlet')}群众自筹达标，上级补助 {yuan(d['amount'])} 拨付"


def _project_registered(d, names):
    return f"项目立项：{d['name']}，预算 {yuan(d['budget'])}"


def _project_funded(d, names):
    name = names(d["project_id"])
    return f"资金到位：{('「' + name + '」') if name else '项目'}预算 {yuan(d['budget'])} 已筹齐"


def _contribution(d, names):
    who = place(names, d.get("household_id"), "household") if d.get("household_id") else "上级"
    kind = d["kind"]
    if kind == "money":
        return f"{who}{SOURCE.get(d.get('source'), '出资')} {yuan(d['amount'])}"
    if kind == "labour":
        return f"{who}投工投劳 {Decimal(str(d['hours'] or 0)):.1f} 小时"
    if kind == "materials":
        items = sum(i["count"] for i in d.get("items") or [])
        land = f"，无偿出让空坪 {Decimal(str(d['land_area_m2'])):.0f} 平方米" if d.get("land_area_m2") else ""
        return f"{who}捐物 {items} 件{land}"
    return f"{who}出人出智"


def _donation(d, names):
    what = yuan(d["amount"]) if d["kind"] == "money" else f"物品 {d.get('quantity') or 0} 件"
    return f"爱心超市收到 {d['donor_name']} 捐赠 {what}"


def title_label(d) -> str:
    """The title's name as titles.yaml gives it in the event (``TITLE`` for events from before)."""
    return d.get("label") or TITLE.get(d["code"], d["code"])


def _title(d, names):
    return f"{place(names, d['household_id'], 'household')}户获评「{title_label(d)}」（{d.get('period') or d['quarter']}）"


def _hamlet_award(d, names):
    hamlet = place(names, d["hamlet_id"], "hamlet")
    if d["outcome"] == "awarded":
        return f"{hamlet}评为 {d['year']} 年度最美垸落（总分 {d['total']}，标准 {d['threshold']}）"
    return f"{hamlet}申报最美垸落未达标准（总分 {d['total']}，标准 {d['threshold']}）"


def _suggestion_filed(d, names):
    return f"回音墙收到建议：{d['title']}"


def _suggestion_answered(d, names):
    return f"回音墙答复（{SUGGESTION.get(d['outcome'], '')}）：{d['answer']}"


def _suggestion_escalated(d, names):
    return f"回音墙建议「{d['title']}」逾期未答复，已上报{LEVEL.get(d['escalate_to'], '上级')}督办"


RESULT = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def _review(d, names):
    verdicts = "、".join(f"{BODY.get(v.get('body'), v.get('body', ''))}{_verdict(v)}" for v in d.get("verdicts", []))
    what = d.get("title") or REVIEW_KIND.get(d["kind"], "")
    result = f"，结果：{RESULT[d['result']]}" if d.get("result") in RESULT else ""
    return f"{d['half_year']} 半年评议「{what}」完成：{verdicts or '已评议'}{result}"


def _verdict(v: dict) -> str:
    parts = []
    counts = v.get("satisfaction")
    if counts:
        parts.append(f"实到 {v.get('present')} 人，满意 {counts['satisfied']}、基本满意 {counts['basically_satisfied']}、"
                     f"不满意 {counts['unsatisfied']}，{RESULT.get(v.get('result'), '')}")
    if v.get("score") is not None:
        parts.append(f"满意度 {v['score']} 分")
    if v.get("votes"):
        parts.append(f"赞成 {v['votes']['for']}、反对 {v['votes']['against']}")
    return f"（{'，'.join(parts)}）" if parts else ""


def _opinion(d, names):
    if d["status"] == "adopted":
        owner = f"，责任人 {d['owner']}" if d.get("owner") else ""
        due = f"，{d['due_on']} 前落实" if d.get("due_on") else ""
        return f"评议意见「{d.get('text') or ''}」已采纳：{d['answer']}{owner}{due}"
    return f"评议意见已答复：{d['answer']}"


def _opinion_done(d, names):
    late = "（逾期完成）" if d.get("late") else ""
    return f"评议意见「{d.get('text') or ''}」已落实{late}：{d['note']}"


def _good_deed(d, names):
    desc = f"：{d['description']}" if d.get("description") else ""
    return f"好人好事 {place(names, d['household_id'], 'household')}{desc}"


def _demolition(d, names):
    return (f"四个一律：{place(names, d['hamlet_id'], 'hamlet')}拆除{STRUCTURE.get(d['structure_type'], '旧建筑')} "
            f"{Decimal(str(d['area_m2'])):.0f} 平方米，一律不补偿，腾出土地归公共使用")


def _publicity_opened(d, names):
    return f"公示{PUBLICITY_KIND[d['kind']]}：{d['headline']}"


def _objection_answered(d, names):
    return f"监督委员会答复异议：{OBJECTION[d['outcome']]}。{d['answer']}"


def _publicity_resolved(d, names):
    return f"异议处理完毕：{'已更正' if d['resolution'] == 'corrected' else '已撤回'}。{d['note']}"


def _publicity_finalised(d, names):
    return f"公示期满：{PUBLICITY_KIND[d['kind']]}{'生效' if d['outcome'] == 'final' else '撤回'}"


def _contribution_batch(d, names):
    households = len({e["household_id"] for e in d["entries"] if e.get("household_id")})
    return f"四出登记：一批 {len(d['entries'])} 条（{households} 户）"


def _sheet(d, names):
    return f"{names(d['hamlet_id']) or d['hamlet_id']} {d['quarter']} 乡风文明评比：评了 {len(d['ratings'])} 户"


_BUILDERS = {
    "motion.decided": _motion_decided, "vote.recorded": _vote, "funding.allocated": _allocated,
    "funding_round.allocated": _round_allocated, "grant.released": _grant,
    "project.registered": _project_registered, "project.funded": _project_funded,
    "contribution.recorded": _contribution, "contribution.batch_recorded": _contribution_batch,
    "civility.sheet_rated": _sheet, "donation.recorded": _donation, "title.awarded": _title,
    "beautiful_hamlet.decided": _hamlet_award, "suggestion.filed": _suggestion_filed,
    "suggestion.answered": _suggestion_answered, "suggestion.escalated": _suggestion_escalated,
    "review.completed": _review, "opinion.answered": _opinion, "opinion.carried_out": _opinion_done, "good_deed.verified": _good_deed,
    "demolition.registered": _demolition, "publicity.opened": _publicity_opened,
    "objection.answered": _objection_answered, "publicity.resolved": _publicity_resolved,
    "publicity.finalised": _publicity_finalised,
}
