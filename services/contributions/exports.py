"""Tables for the paper board and the county: Chinese headers, names not ids, a totals row,
money exact (decimal strings; services.kernel.tables writes them as .xlsx or CSV).

Households, the 四出 ledger and the project accounts are contributions' own; points and
rankings belong to scoring and are asked of it over RPC (``scoring`` is its proxy), then given
the roster's names. Personal numbers appear masked only.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from services.kernel import money as kmoney
from services.kernel.errors import NotFound, ValidationFailed
from services.kernel.periods import TZ as CHINA

from . import ledger, models, projects

KINDS = ("households", "contributions", "points", "rankings", "accounts")
SEX = {"male": "男", "female": "女"}
CATEGORY = {"in_office": "在职", "without_office": "无职", "mobile": "流动", "elderly": "年老"}
CONTRIBUTION = {"people": "出人", "money": "出资", "labour": "出力", "materials": "出物"}
SOURCE = {"grant": "政府奖补", "sponsor": "社会赞助", "crowd": "群众自筹"}
ROLE = {"volunteer": "志愿者", "returning_local": "返乡人员", "five_elders": "五老", "entrepreneur": "能人",
        "veteran": "退役军人", "woman": "妇女"}


def _village(session, village_id: str) -> models.Village:
    village = session.get(models.Village, village_id)
    if village is None:
        raise NotFound.of("village", village_id)
    return village


def _hamlets(session, village_id: str) -> dict[str, str]:
    return dict(session.execute(select(models.Hamlet.id, models.Hamlet.name)
                                .where(models.Hamlet.village_id == village_id)).all())


def money(value) -> Decimal:
    return Decimal(kmoney.text(value))


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now(CHINA)).astimezone(CHINA).strftime("%Y-%m-%d")


def table(session, kind: str, village_id: str, *, scoring=None, period: str | None = None,
          now: datetime | None = None) -> dict:
    if kind not in KINDS:
        raise ValidationFailed.from_messages({"kind": [f"one of {', '.join(KINDS)}"]})
    village = _village(session, village_id)
    hamlets = _hamlets(session, village_id)
    build = {"households": households, "contributions": contributions, "accounts": accounts,
             "points": points, "rankings": rankings}[kind]
    if kind in ("points", "rankings"):
        if scoring is None:
            raise ValidationFailed.from_messages({"kind": ["积分与排名由 scoring 服务提供：需要它在运行"]})
        body = build(session, village, hamlets, scoring, period or str((now or datetime.now(CHINA)).year))
    else:
        body = build(session, village, hamlets)
    body["title"] = f"{village.name} {body['title']}（{_stamp(now)} 导出）"
    body.setdefault("sheet", body["title"].split("（")[0][:31])
    body["totals"] = True
    body["kind"] = kind
    return body


def households(session, village, hamlets) -> dict:
    headers = ["序号", "组别", "户主姓名", "性别", "身份证号", "家庭人口", "是否党员", "党员类别",
               "联系电话", "党员中心户", "备注"]
    head_names = {}
    rows, people, party_count = [], 0, 0
    query = (select(models.Household, models.Resident)
             .join(models.Resident, (models.Resident.household_id == models.Household.id)
                   & models.Resident.is_head.is_(True), isouter=True)
             .where(models.Household.hamlet_id.in_(list(hamlets)))
             .order_by(models.Household.hamlet_id, models.Household.id))
    found = session.execute(query).all()
    for household, _head in found:
        head_names[household.id] = household.head_name
    party_households = set(session.scalars(select(models.Resident.household_id).where(
        models.Resident.household_id.in_(select(models.Household.id).where(
            models.Household.hamlet_id.in_(list(hamlets)))),
        models.Resident.party_member.is_(True))))
    for number, (household, head) in enumerate(found, start=1):
        party = household.id in party_households
        party_count += party
        people += household.size or 0
        hub = household.hub_household_id
        rows.append([number, hamlets[household.hamlet_id], household.head_name,
                     SEX.get(head.sex, "") if head else "", (head.id_number_masked or "") if head else "",
                     household.size, "是" if party else "否",
                     CATEGORY.get(head.party_category, "") if head else "",
                     (head.phone_masked or "") if head else "",
                     head_names.get(hub, hub or "") if hub and hub != household.id else "",
                     household.note or ""])
    rows.append(["合计", f"{len(hamlets)}个组", f"{len(found)}户", "", "", people, f"{party_count}户", "",
                 "", "", ""])
    return {"title": "花名册", "headers": headers, "rows": rows, "money_columns": []}


def contributions(session, village, hamlets) -> dict:
    headers = ["序号", "登记日期", "组别", "户主", "类别", "项目", "金额（元）", "资金来源", "工时（小时）",
               "物品", "身份", "备注", "冲销"]
    names = dict(session.execute(select(models.Household.id, models.Household.head_name)
                                 .where(models.Household.hamlet_id.in_(list(hamlets)))).all())
    projects = dict(session.execute(select(models.Project.id, models.Project.name)
                                    .where(models.Project.village_id == village.id)).all())
    rows, total_money, total_hours = [], Decimal("0.00"), Decimal("0")
    query = (select(models.LedgerEntry).where(models.LedgerEntry.hamlet_id.in_(list(hamlets)))
             .order_by(models.LedgerEntry.seq))
    for number, entry in enumerate(session.scalars(query), start=1):
        amount = money(entry.amount) if entry.amount is not None else None
        total_money += amount or 0
        total_hours += entry.hours or 0
        items = "、".join(f"{i['name']}×{i['count']}" for i in entry.items or [])
        rows.append([number, aware(entry.recorded_at).astimezone(CHINA).strftime("%Y-%m-%d"),
                     hamlets.get(entry.hamlet_id, entry.hamlet_id),
                     names.get(entry.household_id, entry.household_id or ""),
                     CONTRIBUTION.get(entry.kind, entry.kind), projects.get(entry.project_id, entry.project_id or ""),
                     str(amount) if amount is not None else None, SOURCE.get(entry.source, entry.source or ""),
                     str(entry.hours.normalize()) if entry.hours is not None else None, items,
                     ROLE.get(entry.role, entry.role or ""), entry.note or "",
                     "冲销" if entry.reversal_of else ""])
    rows.append(["合计", "", "", "", f"{len(rows)}笔", "", str(money(total_money)), "",
                 str(total_hours.normalize()) if total_hours else "0", "", "", "", ""])
    return {"title": "四出台账", "headers": headers, "rows": rows, "money_columns": [6]}


def accounts(session, village, hamlets) -> dict:
    headers = ["序号", "项目", "组别", "预算（元）", "计划奖补", "计划赞助", "计划自筹",
               "已到奖补", "已到赞助", "已到自筹", "已筹合计", "缺口", "状态"]
    rows = []
    sums = defaultdict(lambda: Decimal("0.00"))
    ids = session.scalars(select(models.Project.id).where(models.Project.village_id == village.id)
                          .order_by(models.Project.id)).all()
    keys = ("budget", "plan_grant", "plan_sponsor", "plan_crowd", "grant", "sponsor", "crowd",
            "total_raised", "outstanding")
    for number, project_id in enumerate(ids, start=1):
        p = projects.progress(session, project_id)
        values = {"budget": p["budget"], "plan_grant": p["plan"]["grant"], "plan_sponsor": p["plan"]["sponsor"],
                  "plan_crowd": p["plan"]["crowd"], "grant": p["raised"]["grant"],
                  "sponsor": p["raised"]["sponsor"], "crowd": p["raised"]["crowd"],
                  "total_raised": p["total_raised"], "outstanding": p["outstanding"]}
        for key in keys:
            sums[key] += Decimal(values[key])
        rows.append([number, p["name"], hamlets.get(p["hamlet_id"], "全村") if p["hamlet_id"] else "全村",
                     *[str(money(values[k])) for k in keys], "已筹齐" if p["status"] == "funded" else "筹集中"])
    rows.append(["合计", f"{len(ids)}个项目", "", *[str(money(sums[k])) for k in keys], ""])
    return {"title": "项目资金账", "headers": headers, "rows": rows, "money_columns": list(range(3, 12))}


def points(session, village, hamlets, scoring, period: str) -> dict:
    board = scoring.rankings({"level": "household", "period": period, "village_id": village.id})
    headers = ["名次", "组别", "户主", "积分"]
    rows, total = [], 0
    for row in board["rows"]:
        total += row["points"]
        rows.append([row.get("rank"), hamlets.get(row.get("hamlet_id"), row.get("hamlet_id") or ""),
                     row.get("head_name") or row["household_id"], row["points"]])
    rows.append(["合计", "", f"{len(board['rows'])}户", total])
    return {"title": f"{period} 乡风文明积分", "headers": headers, "rows": rows, "money_columns": []}


def rankings(session, village, hamlets, scoring, period: str) -> dict:
    board = scoring.rankings({"level": "hamlet", "period": period, "village_id": village.id})
    headers = ["名次", "组别", "户数", "总积分", "户均积分"]
    rows, households_total, points_total = [], 0, 0
    for row in board["rows"]:
        households_total += row.get("households") or 0
        points_total += row.get("points") or 0
        rows.append([row.get("rank"), hamlets.get(row.get("hamlet_id"), row.get("hamlet_id") or ""),
                     row.get("households"), row.get("points"), row.get("points_per_household")])
    average = round(points_total / households_total, 2) if households_total else 0
    rows.append(["合计", f"{len(board['rows'])}个组", households_total, points_total, average])
    return {"title": f"{period} 垸组排名", "headers": headers, "rows": rows, "money_columns": []}


# -- totals over a village -------------------------------------------------------------------

def totals(session, filters: dict) -> dict:
    """Ledger totals; ``village_id`` sums the village's hamlets (the ledger filters by hamlet)."""
    village_id = filters.pop("village_id", None)
    if village_id is None:
        return ledger.totals(session, filters)
    _village(session, village_id)
    if filters.get("hamlet_id"):
        hamlet = session.get(models.Hamlet, filters["hamlet_id"])
        if hamlet is None or hamlet.village_id != village_id:
            raise ValidationFailed.from_messages({"hamlet_id": [f"not a hamlet of village {village_id}"]})
        return {"village_id": village_id, **ledger.totals(session, filters)}
    merged = None
    for hamlet_id in sorted(_hamlets(session, village_id)):
        merged = _add(merged, ledger.totals(session, {**filters, "hamlet_id": hamlet_id}))
    if merged is None:
        merged = ledger.totals(session, {**filters, "hamlet_id": "\x00none"})
    return {"village_id": village_id, **merged}


def _add(a: dict | None, b: dict) -> dict:
    """Sum two totals of ledger.totals' shape, exactly (Decimal strings, integer counts)."""
    if a is None:
        return b
    def dec(x, y):
        return str(Decimal(x) + Decimal(y))

    def counts(x: dict, y: dict) -> dict:
        out = dict(x)
        for k, v in y.items():
            out[k] = out.get(k, 0) + v
        return {k: v for k, v in sorted(out.items()) if v}

    return {
        "entries": a["entries"] + b["entries"],
        "money": {"total": dec(a["money"]["total"], b["money"]["total"]),
                  "by_source": {k: dec(a["money"]["by_source"][k], b["money"]["by_source"][k])
                                for k in a["money"]["by_source"]}},
        "people": counts(a["people"], b["people"]),
        "labour_hours": dec(a["labour_hours"], b["labour_hours"]),
        "materials": {"items": counts(a["materials"]["items"], b["materials"]["items"]),
                      "land_area_m2": dec(a["materials"]["land_area_m2"], b["materials"]["land_area_m2"]),
                      "valuation": dec(a["materials"]["valuation"], b["materials"]["valuation"])},
    }
