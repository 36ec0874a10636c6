"""Points arriving over the bus: 好人好事 decided by rule, 出力 labour, and the household roster."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import periods

from . import households, ledger, point_sources
from .models import Household, PointsEntry

log = logging.getLogger(__name__)



def _hamlet(session: Session, household_id: str, given: str | None) -> str | None:
    if given:
        return given
    household = session.get(Household, household_id)
    return household.hamlet_id if household else None


def _existing(session: Session, source: str, ref: str) -> PointsEntry | None:
    return session.execute(select(PointsEntry).where(
        PointsEntry.source == source, PointsEntry.source_ref == ref)).scalar_one_or_none()


def points_decided(session: Session, policy, data: dict, now: datetime) -> PointsEntry | None:
    """``points.decided``: the rules service already set the points; the cap still applies."""
    source = "penalty" if data["points"] < 0 else "good_deed"
    if _existing(session, source, data["cause_event_id"]) is not None:
        return None  # the same deed decided again (a replayed cause): one entry per deed
    return ledger.record(
        session, policy, household_id=data["household_id"], resident_id=data.get("resident_id"),
        hamlet_id=_hamlet(session, data["household_id"], data.get("hamlet_id")),
        deed_code=data["deed_code"], source=source, source_ref=data["cause_event_id"],
        points=data["points"], rule=data["rule"], reason=data["reason"], now=now)


def contribution_recorded(session: Session, policy, data: dict, now: datetime) -> PointsEntry | None:
    """``contribution.recorded``: 出力 labour earns points per hour; a reversal withdraws them."""
    if data["kind"] != "labour" or not data.get("household_id"):
        return None
    if data.get("reversal_of"):
        original = _existing(session, "labour", data["reversal_of"])
        if original is None:
            return None
        reason = f"labour entry {data['reversal_of']} reversed by {data['entry_id']}"
        if original.status == ledger.PENDING:
            return ledger.reject(session, original.entry_id, "contributions", reason, now)
        if original.status == ledger.APPROVED:
            return ledger.revoke(session, original.entry_id, "contributions", reason, now)
        return None
    hours = data.get("hours")
    if not hours or hours <= 0:
        return None
    if _existing(session, "labour", data["entry_id"]) is not None:
        return None
    # 义务工 priced per hour if the catalogue has it, else per occasion (每次): civility_points.yaml sources.labour
    labour = point_sources.read(policy)["labour"]
    candidates = [(deed, units) for deed, units in ((labour.get("per_hour"), hours), (labour.get("per_occasion"), 1)) if deed]
    found = ledger.resolve(policy, candidates)
    if found is None:
        log.warning("no civility-points rule for labour (%s): %s earns no points", labour, data["entry_id"])
        return None
    deed_code, units, decision = found
    recorded_at = data.get("recorded_at") or now
    return ledger.record(
        session, policy, household_id=data["household_id"], resident_id=data.get("resident_id"),
        hamlet_id=data["hamlet_id"], deed_code=deed_code, source="labour", source_ref=data["entry_id"],
        units=units, quarter=periods.quarter_of(recorded_at), now=now, decision=decision,
        reason=f"出力 {hours} h" + (f" on project {data['project_id']}" if data.get("project_id") else ""))


def contribution_batch_recorded(session: Session, policy, data: dict, now: datetime) -> list[PointsEntry]:
    """``contribution.batch_recorded``: the batch's labour earns points in one go — one rule
    decision, the accounts locked together, the entries inserted in one statement."""
    labour = [e for e in data["entries"] if e["kind"] == "labour" and e.get("household_id")
              and not e.get("reversal_of") and e.get("hours") and e["hours"] > 0]
    if not labour:
        return []
    done = set(session.scalars(select(PointsEntry.source_ref).where(
        PointsEntry.source == "labour", PointsEntry.source_ref.in_([e["entry_id"] for e in labour]))))
    labour = [e for e in labour if e["entry_id"] not in done]
    deeds = point_sources.read(policy)["labour"] if labour else {}
    found = ledger.resolve(policy, [(deed, 1) for deed in (deeds.get("per_hour"), deeds.get("per_occasion")) if deed]) \
        if labour else None
    if found is None:
        if labour:
            log.warning("no civility-points rule for labour (%s): batch %s earns no points", deeds, data["batch_id"])
        return []
    deed_code, _units, decision = found
    by_quarter: dict[str, list[dict]] = {}
    for e in labour:
        by_quarter.setdefault(periods.quarter_of(e.get("recorded_at") or now), []).append({
            "household_id": e["household_id"], "resident_id": e.get("resident_id"), "hamlet_id": e["hamlet_id"],
            "units": e["hours"] if deed_code == deeds.get("per_hour") else 1, "source_ref": e["entry_id"],
            "reason": f"出力 {e['hours']} h" + (f" on project {e['project_id']}" if e.get("project_id") else "")})
    written = []
    for quarter, items in sorted(by_quarter.items()):
        written += ledger.record_many(session, decision, deed_code, "labour", quarter, now, items)
    return written


def household_registered(session: Session, data: dict, now: datetime) -> None:
    households.apply_registered(session, data, now)


def households_registered(session: Session, data: dict, now: datetime) -> None:
    """A roster import's batch (up to 500 households of one village) in one transaction."""
    households.apply_many(session, data["households"], now)
