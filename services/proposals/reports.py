"""大事小事我来提 residents report problems (a blocked ditch, a broken lamp, litter on a road).

A cadre assigns each to a party-member volunteer team (党员志愿服务队) or a public-welfare post
(公益性岗位, 定岗定责); the assignee resolves it; the resident who reported it confirms, or
reopens it. An unresolved report is escalated by the deadlines rule (see ``escalation``).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404, listing
from services.kernel.errors import Conflict
from services.kernel.ids import new_id

from . import registers
from .lifecycle import REPORT
from .models import Report

OPEN_STATES = ("filed", "assigned")   # the deadline runs until the problem is resolved


def file(session: Session, now, data: dict) -> Report:
    registers.place(session, data)
    registers.person(session, data)
    report = Report(
        id=new_id("rep"), village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
        resident_id=data["resident_id"], household_id=data.get("household_id"),
        category=data["category"], title=data["title"], description=data.get("description", ""),
        location=data.get("location", ""), state=REPORT.initial, filed_at=now, level=0,
        level_since=now, history=[_entry("file", None, REPORT.initial, data["resident_id"], now, "")])
    session.add(report)
    session.flush()
    _emit(session, "report.filed", report, now, resident_id=report.resident_id,
          household_id=report.household_id, category=report.category, title=report.title)
    return report


def assign(session: Session, now, report_id: str, data: dict) -> Report:
    report = get(session, report_id)
    target = REPORT.next(report.state, "assign")
    report.assignee_type, report.assignee_id = data["assignee_type"], data["assignee_id"]
    _step(report, "assign", target, data["by"], now,
          data.get("why") or f"to {data['assignee_type']} {data['assignee_id']}")
    _emit(session, "report.assigned", report, now, assignee_type=report.assignee_type,
          assignee_id=report.assignee_id, by=data["by"])
    return report


def routed(session: Session, now, data: dict) -> Report | None:
    """Management routed the report by rule: assign it, unless a cadre already did."""
    report = session.get(Report, data["report_id"])
    if report is None or report.state != REPORT.initial:
        return report
    rule = data["rule"]
    return assign(session, now, report.id, {
        "assignee_type": data["assignee_type"], "assignee_id": data["assignee_id"], "by": "management",
        "why": f"按规则 {rule['id']} v{rule['version']} 交给 {data['assignee_name']}"})


def resolve(session: Session, now, report_id: str, data: dict) -> Report:
    report = get(session, report_id)
    target = REPORT.next(report.state, "resolve")
    report.resolution, report.resolved_at = data.get("note", ""), now
    report.next_check_at = None
    _step(report, "resolve", target, data["by"], now, data.get("note", ""))
    _emit(session, "report.resolved", report, now, by=data["by"], note=report.resolution)
    return report


def confirm(session: Session, now, report_id: str, data: dict) -> Report:
    """Only the reporter confirms. Not satisfied: back to the assignee, and the clock restarts."""
    report = get(session, report_id)
    action = "confirm" if data["satisfied"] else "reopen"
    target = REPORT.next(report.state, action)
    if data["resident_id"] != report.resident_id:
        raise Conflict({"message": "only the resident who reported it can confirm it",
                        "resident_id": data["resident_id"]})
    if data["satisfied"]:
        report.confirmed_at = now
    else:
        report.resolved_at, report.level_since, report.next_check_at = None, now, None
    _step(report, action, target, data["resident_id"], now, data.get("comment", ""))
    _emit(session, "report.confirmed", report, now, resident_id=data["resident_id"],
          satisfied=data["satisfied"], comment=data.get("comment", ""))
    return report


def _entry(action, source, target, by, now, why) -> dict:
    return {"action": action, "from_state": source, "to_state": target, "by": by,
            "at": iso(now), "why": why}


def _step(report: Report, action, target, by, now, why) -> None:
    # Reassigned (not appended in place) so SQLAlchemy sees the JSON column change.
    report.history = [*report.history, _entry(action, report.state, target, by, now, why)]
    report.state = target


def _emit(session, name, report, now, **data) -> None:
    session.flush()
    outbox.emit(session, name, {"report_id": report.id, "village_id": report.village_id,
                                "hamlet_id": report.hamlet_id, "at": iso(now), **data},
                subject=report.id)


def get(session: Session, report_id: str) -> Report:
    return get_or_404(session, Report, report_id, "report")


def find(session: Session, query: dict) -> list[Report]:
    return listing(session, Report, query, ("village_id", "hamlet_id", "state", "resident_id", "assignee_id"), Report.filed_at)
