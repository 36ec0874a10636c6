"""制度监管, 以评促改: the elected 人居环境监督小组 inspects public areas; each finding becomes a
fix order with a deadline (``management`` rule: ``fix_deadline_days`` by severity) and a re-check;
hamlets are rated every cycle (``rating.cycle``: 一月一评比), which feeds 三比三看.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import outbox, periods
from services.kernel.clock import iso
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, IllegalTransition, invalid
from services.kernel.ids import new_id

from . import participation, register
from .common import page, params, where
from .models import FixOrder, Inspection, Post, Rating

SUPERVISION = "environment_supervision_group"


def inspect(session: Session, policy, now: datetime, data: dict) -> tuple[Inspection, list[FixOrder]]:
    body = register.get_body(session, data["body_id"])
    if body.kind != SUPERVISION:
        raise invalid("body_id", "只有人居环境监督小组可以检查并下整改单")
    members = {m.resident_id: m for m in body.members}
    outsiders = [r for r in data["inspectors"] if r not in members]
    if outsiders:
        raise invalid("inspectors", f"不是监督小组成员：{', '.join(outsiders)}")
    rule, version = params(policy)
    deadlines = rule["fix_deadline_days"]
    for i, finding in enumerate(data["findings"]):
        if finding.get("severity", "default") not in deadlines:
            raise invalid(f"findings.{i}.severity", f"规则文件没有这个等级；可选：{', '.join(sorted(deadlines))}")
        finding["responsible"] = _responsible(session, finding, data.get("area_id"), i)
    inspection = Inspection(id=new_id("insp"), body_id=body.id, village_id=body.village_id,
                            hamlet_id=data["hamlet_id"], area_id=data.get("area_id"),
                            inspectors=data["inspectors"], inspected_at=now, note=data.get("note", ""))
    session.add(inspection)
    session.flush()
    orders = [_order(session, inspection, finding, deadlines, version, now)
              for finding in data["findings"]]
    for resident_id in data["inspectors"]:
        member = members[resident_id]
        participation.record(session, policy, member.household_id, None, body.village_id, "inspection", inspection.id, now)
    return inspection, orders


def _responsible(session, finding, area_id, i) -> tuple[str, str]:
    """Who fixes it: as written, else the post of the finding's area (定岗定责)."""
    if finding.get("responsible_type"):
        return finding["responsible_type"], finding["responsible_id"]
    area_id = finding.get("area_id") or area_id
    post = session.scalar(select(Post).where(Post.area_id == area_id, Post.active.is_(True)).order_by(Post.id)) \
        if area_id else None
    if post is None:
        raise invalid(f"findings.{i}.responsible_id", "写明谁整改，或写明有公益性岗位的区域（由该岗位整改）")
    return "public_welfare_post", post.id


def _order(session, inspection, finding, deadlines, version, now) -> FixOrder:
    severity = finding.get("severity", "default")
    area_id = finding.get("area_id") or inspection.area_id
    kind, who = finding["responsible"]
    deadline = now + timedelta(days=int(deadlines[severity]))
    rule = {"id": f"management.fix_deadline_days.{severity}", "version": version, "policy": "management"}
    order = FixOrder(id=new_id("fix"), inspection_id=inspection.id, village_id=inspection.village_id,
                     hamlet_id=inspection.hamlet_id, area_id=area_id, finding=finding["finding"],
                     severity=severity, responsible_type=kind, responsible_id=who, deadline=deadline,
                     state="open", rule_id=rule["id"], rule_version=version, issued_at=now)
    session.add(order)
    session.flush()
    outbox.emit(session, "fix_order.issued", {
        "order_id": order.id, "inspection_id": inspection.id, "village_id": order.village_id,
        "hamlet_id": order.hamlet_id, "finding": order.finding, "responsible_type": kind,
        "responsible_id": who, "deadline": iso(deadline), "rule": rule}, subject=order.id)
    return order


def mark_fixed(session: Session, policy, now: datetime, order_id: str, data: dict) -> FixOrder:
    order = get(session, order_id)
    if order.state != "open":
        raise IllegalTransition.of("fix order", order.state, "fix", ["open"])
    rule, _version = params(policy)
    order.state, order.fixed_at, order.fixed_note = "fixed", now, data.get("note", "")
    order.recheck_by = now + timedelta(days=int(rule["recheck_within_days"]))
    session.flush()
    return order


def recheck(session: Session, now: datetime, order_id: str, data: dict) -> FixOrder:
    """复查: passed closes the order; not passed sends it back, its deadline unchanged (it may be late)."""
    order = get(session, order_id)
    if order.state != "fixed":
        raise IllegalTransition.of("fix order", order.state, "recheck", ["fixed"])
    late = order.fixed_at > order.deadline
    order.rechecked_at, order.rechecked_by = now, data["by"]
    order.state = "passed" if data["passed"] else "open"
    if not data["passed"]:
        order.fixed_at, order.recheck_by = None, None
    session.flush()
    outbox.emit(session, "fix_order.rechecked", {
        "order_id": order.id, "village_id": order.village_id, "hamlet_id": order.hamlet_id,
        "passed": data["passed"], "rechecked_by": data["by"], "rechecked_at": iso(now), "late": late},
        subject=order.id)
    return order


def get(session: Session, order_id: str) -> FixOrder:
    return get_or_404(session, FixOrder, order_id, "fix order")


def is_overdue(order: FixOrder, now: datetime) -> bool:
    return order.state == "open" and order.deadline < now


def find(session: Session, query: dict, now: datetime) -> list[FixOrder]:
    stmt = where(select(FixOrder), FixOrder, query, ("village_id", "hamlet_id", "state", "responsible_id"))
    if query.get("open_only"):
        stmt = stmt.where(FixOrder.state.in_(("open", "fixed")))
    if query.get("overdue"):
        stmt = stmt.where(FixOrder.state == "open", FixOrder.deadline < now)
    return page(session, stmt.order_by(FixOrder.deadline, FixOrder.id), query)


def rate(session: Session, policy, now: datetime, data: dict) -> Rating:
    """一月一评比: the cycle's scores of the village's hamlets, ranked; one rating per cycle."""
    rule, version = params(policy)
    cycle = rule["rating"]["cycle"]
    try:
        periods.window_of(data["period"], allowed=(cycle,))
    except periods.PeriodError as exc:
        raise invalid("period", f"评比周期是 {cycle}（rules/management.yaml）：{exc}") from None
    if session.scalar(select(Rating).where(Rating.village_id == data["village_id"], Rating.period == data["period"])):
        raise Conflict({"message": f"{data['period']} 已经评比过", "period": data["period"]})
    ordered = sorted(data["scores"], key=lambda s: (-s["score"], s["hamlet_id"]))
    scores, rank = [], 0
    for i, item in enumerate(ordered):
        rank = rank if i and item["score"] == ordered[i - 1]["score"] else i + 1
        scores.append({"hamlet_id": item["hamlet_id"], "score": item["score"], "rank": rank})
    rating = Rating(id=new_id("rat"), village_id=data["village_id"], period=data["period"], scores=scores,
                    rated_by=data["by"], rated_at=now, rule_version=version)
    session.add(rating)
    session.flush()
    outbox.emit(session, "environment.rated", {
        "rating_id": rating.id, "village_id": rating.village_id, "period": rating.period,
        "scores": scores, "rated_by": data["by"], "rated_at": iso(now)}, subject=rating.id)
    return rating


def find_ratings(session: Session, query: dict) -> list[Rating]:
    stmt = where(select(Rating), Rating, query, ("village_id", "period"))
    return page(session, stmt.order_by(Rating.period.desc()), query)
