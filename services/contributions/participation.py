"""参与率 participation: for a hamlet and period, the share of its roster households that took part.

A household takes part when it contributed anything (an entry not reversed) or attended a
meeting or activity in the period. Which of these count and how long a period is (quarter,
half year, year) come from the rule file (policy area ``participation``), because this is the
number the 参与优先 participation-first rule ranks hamlets on.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from services.kernel import outbox, periods
from services.kernel.clock import utc
from services.kernel.errors import invalid
from services.kernel.policy import params

from . import models
from .places import hamlet_chain

KINDS = ("contribution", "meeting", "activity")
WINDOWS = ("quarter", "half_year", "year")

log = logging.getLogger(__name__)


def rules(policy) -> dict:
    """What counts and the window, from ``params("participation")``."""
    answer = params(policy, "participation")
    counts = [c for c in answer["params"].get("counts", KINDS) if c in KINDS]
    window = answer["params"].get("window", "quarter")
    if window not in WINDOWS:
        raise invalid("window", f"unknown participation window {window!r} (one of {', '.join(WINDOWS)})")
    return {"counts": counts, "window": window, "version": answer.get("version")}


def participating(session: Session, hamlet_id: str, start: datetime, end: datetime,
                  counts) -> set[str]:
    """Roster households of the hamlet that took part in [start, end)."""
    start, end = utc(start), utc(end)
    found: set[str] = set()
    if "contribution" in counts:
        entry, reversal = models.LedgerEntry, aliased(models.LedgerEntry)
        found.update(session.scalars(
            select(entry.household_id).join(models.Household, models.Household.id == entry.household_id)
            .where(models.Household.hamlet_id == hamlet_id, entry.recorded_at >= start,
                   entry.recorded_at < end, entry.reversal_of.is_(None),
                   ~exists().where(reversal.reversal_of == entry.id))
            .distinct()))
    kinds = [k for k in ("meeting", "activity") if k in counts]
    if kinds:
        found.update(session.scalars(
            select(models.Attendance.household_id)
            .join(models.Household, and_(models.Household.id == models.Attendance.household_id,
                                         models.Household.hamlet_id == hamlet_id))
            .where(models.Attendance.kind.in_(kinds), models.Attendance.held_at >= start,
                   models.Attendance.held_at < end)
            .distinct()))
    return found


def roster_size(session: Session, hamlet_id: str) -> int:
    return session.scalar(select(func.count()).select_from(models.Household)
                          .where(models.Household.hamlet_id == hamlet_id))


def _rate(part: int, households: int) -> float:
    return part / households if households else 0.0


def measure(session: Session, hamlet_id: str, period: str, counts) -> dict:
    try:
        window, start, end = periods.bounds(period)
    except periods.PeriodError as exc:
        raise invalid("period", str(exc)) from None
    part = len(participating(session, hamlet_id, start, end, counts))
    households = roster_size(session, hamlet_id)
    return {"hamlet_id": hamlet_id, "period": period, "window": window,
            "participating_households": part, "roster_households": households,
            "rate": _rate(part, households)}


def refresh(session: Session, policy, hamlet_id: str, at: datetime, rule: dict | None = None,
            now: datetime | None = None) -> dict:
    """Recompute the hamlet's rate for the period containing ``at``; emit it when it changed."""
    rule = rule or rules(policy)
    period = periods.period_of(at, rule["window"])
    current = measure(session, hamlet_id, period, rule["counts"])
    stored = session.get(models.Participation, (hamlet_id, period))
    previous = None if stored is None else _rate(stored.participating, stored.households)
    if stored is not None and (stored.participating, stored.households) == (
            current["participating_households"], current["roster_households"]):
        return current
    if stored is None:
        if current["participating_households"] == 0:
            return current  # nobody yet: 0 is what every reader assumes, not news
        stored = models.Participation(hamlet_id=hamlet_id, period=period)
        session.add(stored)
    stored.participating = current["participating_households"]
    stored.households = current["roster_households"]
    stored.updated_at = utc(now or at)
    _hamlet, village = hamlet_chain(session, hamlet_id)
    outbox.emit(session, "participation.changed", {
        **current, "village_id": village.id, "previous_rate": previous,
        "policy_version": rule.get("version"),
    }, subject=f"hamlet/{hamlet_id}")
    return current


def record_attendance(session: Session, policy, kind: str, ref_id: str, held_at: datetime,
                      household_ids, resident_ids, now: datetime | None = None) -> dict:
    """A meeting or activity was held: mark each attending roster household, refresh rates.

    Attendees are placed by the roster, not by the meeting's hamlet: at a village meeting
    each household counts for its own hamlet. Unknown ids are skipped and reported.
    """
    held_at = utc(held_at)
    rule = rules(policy)  # asked before any write
    households = set(household_ids or [])
    resident_ids = list(resident_ids or [])
    if resident_ids:
        households.update(session.scalars(select(models.Resident.household_id)
                                          .where(models.Resident.id.in_(resident_ids))))
    known = {h.id: h.hamlet_id for h in session.scalars(
        select(models.Household).where(models.Household.id.in_(sorted(households))))} if households else {}
    already = set(session.scalars(select(models.Attendance.household_id).where(
        models.Attendance.kind == kind, models.Attendance.ref_id == ref_id)))
    for household_id, hamlet_id in sorted(known.items()):
        if household_id not in already:
            session.add(models.Attendance(kind=kind, ref_id=ref_id, household_id=household_id,
                                          hamlet_id=hamlet_id, held_at=held_at))
    session.flush()
    rates = [refresh(session, None, hamlet_id, held_at, rule) for hamlet_id in sorted(set(known.values()))]
    return {"counted": sorted(known), "unknown": sorted(households - set(known)), "rates": rates}


def view(session: Session, policy, hamlet_id: str, period: str | None, now: datetime) -> dict:
    rule = rules(policy)
    hamlet_chain(session, hamlet_id)  # 404 for an unknown hamlet
    if period is None:
        period = periods.period_of(now, rule["window"])
    return {**measure(session, hamlet_id, period, rule["counts"]), "counts": rule["counts"],
            "policy_version": rule.get("version")}


def current_rate(session: Session, policy, hamlet_id: str, at: datetime, rule: dict | None = None) -> float:
    rule = rule or rules(policy)
    period = periods.period_of(at, rule["window"])
    return measure(session, hamlet_id, period, rule["counts"])["rate"]


def attendance_event(session: Session, policy, kind: str, data: dict) -> dict:
    """``meeting.held`` / ``activity.held``: count the attendees (unknown ids are logged)."""
    result = record_attendance(session, policy, kind, data[f"{kind}_id"], data["held_at"],
                               data["attendee_household_ids"], data["attendee_resident_ids"])
    if result["unknown"]:
        log.warning("%s %s: attendees not on the roster: %s", kind, data[f"{kind}_id"], result["unknown"])
    return result
