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

KINDS = ("contribution", "meeting", "activity", "co_management")   # co_management: management says so
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
    kinds = [k for k in ("meeting", "activity", "co_management") if k in counts]
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


def _counts_key(counts) -> str:
    return ",".join(sorted(counts))


def _lock_hamlet(session: Session, hamlet_id: str) -> None:
    """One transaction at a time counts a hamlet's participation (PostgreSQL, where several
    workers or replicas write at once; SQLite writes one at a time anyway and ignores FOR UPDATE).
    Without it two batches of the same hamlet both insert its first row (a duplicate key), or
    each stores a count that misses the other's entries. Taken after the entries are written, so
    the count read once the lock is held sees every committed entry; a batch takes its hamlets
    in sorted order (``recording._after``), so two batches never wait on each other crosswise."""
    # FOR NO KEY UPDATE: the entries just written hold FOR KEY SHARE on their hamlet (their
    # foreign key); a plain FOR UPDATE would wait on those of another batch while that batch
    # waits on ours (a deadlock). NO KEY UPDATE leaves key shares alone and excludes its own kind.
    session.execute(select(models.Hamlet.id).where(models.Hamlet.id == hamlet_id).with_for_update(key_share=True))


def refresh(session: Session, policy, hamlet_id: str, at: datetime, rule: dict | None = None,
            now: datetime | None = None) -> dict:
    """Recompute the hamlet's rate for the period containing ``at``; emit it when it changed."""
    rule = rule or rules(policy)
    _lock_hamlet(session, hamlet_id)
    period = periods.period_of(at, rule["window"])
    current = measure(session, hamlet_id, period, rule["counts"])
    return _store(session, hamlet_id, period, current, rule, at, now)


def _store(session: Session, hamlet_id: str, period: str, current: dict, rule: dict, at, now) -> dict:
    stored = session.get(models.Participation, (hamlet_id, period), populate_existing=True)
    previous = None if stored is None else _rate(stored.participating, stored.households)
    key = _counts_key(rule["counts"])
    if stored is not None and (stored.participating, stored.households) == (
            current["participating_households"], current["roster_households"]):
        stored.counts = key
        return current
    if stored is None:
        if current["participating_households"] == 0:
            return current  # nobody yet: 0 is what every reader assumes, not news
        stored = models.Participation(hamlet_id=hamlet_id, period=period)
        session.add(stored)
    stored.participating = current["participating_households"]
    stored.households = current["roster_households"]
    stored.counts = key
    stored.updated_at = utc(now or at)
    _hamlet, village = hamlet_chain(session, hamlet_id)
    outbox.emit(session, "participation.changed", {
        **current, "village_id": village.id, "previous_rate": previous,
        "policy_version": rule.get("version"),
    }, subject=f"hamlet/{hamlet_id}")
    return current


def took_part(session: Session, household_id: str, start: datetime, end: datetime, counts,
              leaving_out=()) -> bool:
    """Whether one household took part in [start, end), as if the entries ``leaving_out`` were
    not written yet: a few rows of that household, however large its hamlet or project."""
    start, end = utc(start), utc(end)
    leaving_out = list(leaving_out)
    if "contribution" in counts:
        entry, reversal = models.LedgerEntry, aliased(models.LedgerEntry)
        if session.scalar(select(entry.id).where(
                entry.household_id == household_id, entry.recorded_at >= start, entry.recorded_at < end,
                entry.reversal_of.is_(None), entry.id.not_in(leaving_out),
                ~exists().where(reversal.reversal_of == entry.id, reversal.id.not_in(leaving_out))).limit(1)):
            return True
    kinds = [k for k in ("meeting", "activity", "co_management") if k in counts]
    return bool(kinds) and session.scalar(select(models.Attendance.household_id).where(
        models.Attendance.household_id == household_id, models.Attendance.kind.in_(kinds),
        models.Attendance.held_at >= start, models.Attendance.held_at < end).limit(1)) is not None


def count_household(session: Session, rule: dict, hamlet_id: str, household_id: str, at: datetime,
                    written: list[str], now: datetime | None = None) -> dict | None:
    """One household's entries ``written`` (or reversed) at ``at``: the stored count moves by
    the household's own change, found from its own rows — no recount of the hamlet. Falls back
    to :func:`refresh` when nothing is stored for the period or the rule counts other kinds."""
    period = periods.period_of(at, rule["window"])
    _lock_hamlet(session, hamlet_id)
    stored = session.get(models.Participation, (hamlet_id, period), populate_existing=True)
    if stored is None or stored.counts != _counts_key(rule["counts"]):
        return refresh(session, None, hamlet_id, at, rule, now)
    window, start, end = periods.bounds(period)
    delta = int(took_part(session, household_id, start, end, rule["counts"])) - int(
        took_part(session, household_id, start, end, rule["counts"], leaving_out=written))
    if not delta:
        return None
    current = {"hamlet_id": hamlet_id, "period": period, "window": window,
               "participating_households": stored.participating + delta, "roster_households": stored.households,
               "rate": _rate(stored.participating + delta, stored.households)}
    return _store(session, hamlet_id, period, current, rule, at, now)


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
    measured = measure(session, hamlet_id, period, rule["counts"])
    # How 三线共管 moved it: the same period counted without the co-management households.
    others = [c for c in rule["counts"] if c != "co_management"]
    without = measure(session, hamlet_id, period, others)["rate"] if others != rule["counts"] else measured["rate"]
    return {**measured, "counts": rule["counts"], "rate_without_co_management": without,
            "policy_version": rule.get("version")}


def current_rate(session: Session, policy, hamlet_id: str, at: datetime, rule: dict | None = None) -> float:
    rule = rule or rules(policy)
    period = periods.period_of(at, rule["window"])
    return measure(session, hamlet_id, period, rule["counts"])["rate"]


def co_management_counted(session: Session, policy, data: dict) -> dict:
    """``co_management.counted``: management's weights (rules/participation.yaml) lifted the
    household to the threshold in this period; it takes part, once per period."""
    return record_attendance(session, policy, "co_management", data["period"], data["at"],
                             [data["household_id"]], [])


def attendance_event(session: Session, policy, kind: str, data: dict) -> dict:
    """``meeting.held`` / ``activity.held``: count the attendees (unknown ids are logged)."""
    result = record_attendance(session, policy, kind, data[f"{kind}_id"], data["held_at"],
                               data["attendee_household_ids"], data["attendee_resident_ids"])
    if result["unknown"]:
        log.warning("%s %s: attendees not on the roster: %s", kind, data[f"{kind}_id"], result["unknown"])
    return result
