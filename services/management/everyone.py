"""全民共管 everyone manages: 清洁日 cleaning days and 我来帮 help.

"每周五…清洁日": cleaning days fall on the rule's weekday (``cleaning_day.weekday``); turnout is
recorded per household and checked against "每户至少一人" (``min_people_per_household``).
"急事难事我来帮": residents sign up to help with an urgent matter, cadres mobilise volunteers
for an emergency; the hours given are recorded (``help.given``, a contribution of labour).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, invalid
from services.kernel.ids import new_id

from . import participation
from .common import page, params, where
from .models import CleaningDay, HelpCall, Household

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def schedule(session: Session, policy, data: dict) -> list[CleaningDay]:
    """The next ``weeks`` cleaning days of each hamlet from ``start``, on the rule's weekday."""
    rule, version = params(policy)
    weekday = WEEKDAYS.index(rule["cleaning_day"]["weekday"])
    first = data["start"] + timedelta(days=(weekday - data["start"].weekday()) % 7)
    days = []
    for hamlet_id in data["hamlet_ids"]:
        for week in range(data["weeks"]):
            day = first + timedelta(weeks=week)
            found = session.scalar(select(CleaningDay).where(CleaningDay.hamlet_id == hamlet_id, CleaningDay.day == day))
            if found is None:
                found = CleaningDay(id=new_id("cd"), village_id=data["village_id"], hamlet_id=hamlet_id, day=day,
                                    state="scheduled", rule_version=version, turnout={})
                session.add(found)
            days.append(found)
    session.flush()
    return days


def record_turnout(session: Session, policy, now: datetime, day_id: str, data: dict) -> CleaningDay:
    day = get_day(session, day_id)
    roster = {h.household_id for h in session.scalars(select(Household).where(Household.hamlet_id == day.hamlet_id))}
    unknown = sorted(set(data["turnout"]) - roster)
    if unknown:
        raise invalid("turnout", f"这些户不在 {day.hamlet_id} 的花名册上：{', '.join(unknown)}")
    if day.day > now.date():
        raise invalid("day_id", f"清洁日 {day.day} 还没到")
    day.turnout = {**day.turnout, **{h: int(n) for h, n in data["turnout"].items()}}
    day.state, day.recorded_by = "held", data["by"]
    session.flush()
    at = now
    for household_id, people in sorted(day.turnout.items()):
        if people > 0:
            participation.record(session, policy, household_id, day.hamlet_id, day.village_id, "cleaning_day", day.id, at)
    return day


def turnout(session: Session, policy, day_id: str) -> dict:
    """Turnout per roster household, and who fell short of "每户至少一人"."""
    day = get_day(session, day_id)
    rule, version = params(policy)
    least = int(rule["cleaning_day"]["min_people_per_household"])
    households = list(session.scalars(select(Household).where(Household.hamlet_id == day.hamlet_id)
                                      .order_by(Household.household_id)))
    rows = [{"household_id": h.household_id, "head_name": h.head_name, "people": day.turnout.get(h.household_id, 0),
             "met": day.turnout.get(h.household_id, 0) >= least} for h in households]
    met = sum(r["met"] for r in rows)
    return {"cleaning_day_id": day.id, "hamlet_id": day.hamlet_id, "day": day.day.isoformat(), "state": day.state,
            "min_people_per_household": least, "households": len(rows), "households_met": met,
            "turnout_rate": met / len(rows) if rows else 0.0, "people": sum(r["people"] for r in rows),
            "short": [r["household_id"] for r in rows if not r["met"]], "rows": rows, "rule_version": version}


def get_day(session: Session, day_id: str) -> CleaningDay:
    return get_or_404(session, CleaningDay, day_id, "cleaning day")


def find_days(session: Session, query: dict) -> list[CleaningDay]:
    stmt = where(select(CleaningDay), CleaningDay, query, ("village_id", "hamlet_id", "state"))
    if query.get("since") is not None:
        stmt = stmt.where(CleaningDay.day >= query["since"])
    return page(session, stmt.order_by(CleaningDay.day, CleaningDay.hamlet_id), query)


# ---- 我来帮 help ---------------------------------------------------------------------------

def call(session: Session, now: datetime, data: dict) -> HelpCall:
    help_call = HelpCall(id=new_id("help"), village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
                         kind=data["kind"], title=data["title"], called_by=data["by"], called_at=now,
                         state="open", helpers=[])
    session.add(help_call)
    session.flush()
    return help_call


def sign_up(session: Session, now: datetime, call_id: str, data: dict) -> HelpCall:
    help_call = get_call(session, call_id)
    if help_call.state != "open":
        raise Conflict({"message": "这件事已经办完，不再报名", "call_id": call_id})
    household = session.get(Household, data["household_id"])
    if household is None:
        raise invalid("household_id", f"户 {data['household_id']} 不在花名册上")
    if any(h["resident_id"] == data["resident_id"] for h in help_call.helpers):
        raise Conflict({"message": "已经报过名了", "resident_id": data["resident_id"]})
    help_call.helpers = [*help_call.helpers, {
        "resident_id": data["resident_id"], "name": data.get("name", ""), "household_id": household.household_id,
        "hamlet_id": household.hamlet_id, "signed_up_at": iso(now), "hours": None}]
    session.flush()
    return help_call


def record_labour(session: Session, policy, now: datetime, call_id: str, data: dict) -> HelpCall:
    """The hours a helper gave, once: a contribution of labour and a co-management activity."""
    help_call = get_call(session, call_id)
    helpers = [dict(h) for h in help_call.helpers]
    helper = next((h for h in helpers if h["resident_id"] == data["resident_id"]), None)
    if helper is None:
        raise invalid("resident_id", "这个人没有报名")
    if helper["hours"] is not None:
        raise Conflict({"message": "这个人的出工已经记过", "resident_id": data["resident_id"]})
    hours = Decimal(data["hours"]).quantize(Decimal("0.1"))
    helper["hours"] = str(hours)
    help_call.helpers = helpers
    session.flush()
    outbox.emit(session, "help.given", {
        "call_id": help_call.id, "village_id": help_call.village_id, "hamlet_id": helper["hamlet_id"],
        "household_id": helper["household_id"], "resident_id": helper["resident_id"], "kind": help_call.kind,
        "hours": str(hours), "recorded_by": data["by"], "at": iso(now)}, subject=help_call.id)
    participation.record(session, policy, helper["household_id"], helper["hamlet_id"], help_call.village_id, "help",
                         help_call.id, now)
    return help_call


def close_call(session: Session, call_id: str) -> HelpCall:
    help_call = get_call(session, call_id)
    help_call.state = "closed"
    session.flush()
    return help_call


def get_call(session: Session, call_id: str) -> HelpCall:
    return get_or_404(session, HelpCall, call_id, "help call")


def find_calls(session: Session, query: dict) -> list[HelpCall]:
    stmt = where(select(HelpCall), HelpCall, query, ("village_id", "hamlet_id", "state", "kind"))
    return page(session, stmt.order_by(HelpCall.called_at.desc(), HelpCall.id), query)


__all__ = ["schedule", "record_turnout", "turnout", "call", "sign_up", "record_labour", "date"]
