"""管护: keeping what was built — "建设我们出了资，管护大家都要上".

A register of shared facilities and equipment (street lamps, the cultural square, public
toilets, the four straw shredders the villagers manage themselves) with a custodian, caretakers,
upkeep tasks and fault reports. A motion's project, once built (``motion.transitioned`` to
``completed``), enters the register in an upkeep phase awaiting its named caretakers.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, invalid
from services.kernel.ids import new_id

from .common import page, where
from .models import Facility, FaultReport, UpkeepTask


def register(session: Session, now: datetime, data: dict) -> Facility:
    facility = Facility(id=new_id("fac"), village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
                        kind=data["kind"], name=data["name"], quantity=data.get("quantity", 1),
                        custodian_resident_id=data.get("custodian_resident_id"),
                        custodian_name=data.get("custodian_name"),
                        caretakers=data.get("caretakers", []),
                        phase="in_upkeep" if data.get("custodian_resident_id") else "awaiting_caretakers",
                        condition="working", registered_by=data["by"], registered_at=now)
    session.add(facility)
    session.flush()
    return facility


def project_built(session: Session, now: datetime, data: dict) -> Facility | None:
    """A completed motion's project gains an upkeep phase (once per motion)."""
    if data.get("to_state") != "completed":
        return None
    found = session.scalar(select(Facility).where(Facility.motion_id == data["motion_id"]))
    if found is not None:
        return found
    facility = Facility(id=new_id("fac"), village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
                        kind="project", name=data.get("title") or data["motion_id"], quantity=1,
                        motion_id=data["motion_id"], caretakers=[], phase="awaiting_caretakers",
                        condition="working", registered_by=data.get("by") or "proposals", registered_at=now)
    session.add(facility)
    session.flush()
    return facility


def name_caretakers(session: Session, facility_id: str, data: dict) -> Facility:
    """The custodian and caretakers agreed (at a hamlet meeting): upkeep starts."""
    facility = get(session, facility_id)
    facility.custodian_resident_id, facility.custodian_name = data["custodian_resident_id"], data["custodian_name"]
    facility.caretakers = data.get("caretakers", [])
    facility.phase = "in_upkeep"
    session.flush()
    return facility


def add_task(session: Session, facility_id: str, data: dict) -> UpkeepTask:
    facility = get(session, facility_id)
    task = UpkeepTask(id=new_id("upk"), facility_id=facility.id, title=data["title"],
                      assignee_resident_id=data.get("assignee_resident_id") or facility.custodian_resident_id
                      or _no_custodian(), due_at=data["due_at"])
    session.add(task)
    session.flush()
    return task


def _no_custodian():
    raise invalid("assignee_resident_id", "这个设施还没有管护人，请指定任务负责人")


def complete_task(session: Session, now: datetime, task_id: str, data: dict) -> UpkeepTask:
    task = get_or_404(session, UpkeepTask, task_id, "upkeep task")
    if task.done_at is not None:
        raise Conflict({"message": "这项管护任务已经完成", "task_id": task_id})
    task.done_at, task.done_by, task.note = now, data["by"], data.get("note", "")
    session.flush()
    return task


def report_fault(session: Session, now: datetime, facility_id: str, data: dict) -> FaultReport:
    facility = get(session, facility_id)
    fault = FaultReport(id=new_id("flt"), facility_id=facility.id, description=data["description"],
                        reported_by=data["by"], reported_at=now)
    facility.condition = "faulty"
    session.add(fault)
    session.flush()
    return fault


def fix_fault(session: Session, now: datetime, fault_id: str, data: dict) -> FaultReport:
    fault = get_or_404(session, FaultReport, fault_id, "fault report")
    if fault.fixed_at is not None:
        raise Conflict({"message": "这个故障已经修好", "fault_id": fault_id})
    fault.fixed_at, fault.fixed_by, fault.note = now, data["by"], data.get("note", "")
    session.flush()
    facility = get(session, fault.facility_id)
    still = session.scalar(select(FaultReport.id).where(FaultReport.facility_id == facility.id,
                                                        FaultReport.fixed_at.is_(None)))
    facility.condition = "faulty" if still else "working"
    return fault


def get(session: Session, facility_id: str) -> Facility:
    return get_or_404(session, Facility, facility_id, "facility")


def find(session: Session, query: dict) -> list[Facility]:
    stmt = where(select(Facility), Facility, query, ("village_id", "hamlet_id", "kind", "phase", "condition"))
    return page(session, stmt.order_by(Facility.id), query)


def detail(session: Session, facility_id: str) -> dict:
    facility = get(session, facility_id)
    tasks = list(session.scalars(select(UpkeepTask).where(UpkeepTask.facility_id == facility.id)
                                 .order_by(UpkeepTask.due_at)))
    faults = list(session.scalars(select(FaultReport).where(FaultReport.facility_id == facility.id)
                                  .order_by(FaultReport.reported_at)))
    return {"facility": facility, "tasks": tasks, "faults": faults}
