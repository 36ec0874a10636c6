"""It counts: co-management activity as participation, weighted by ``rules/participation.yaml``.

Each activity of a household is one row (idempotent on household, kind and source) and one
``co_management.took_part`` event, which the participation rate of contributions can count. The
hamlet view here answers "how did co-management move the hamlet's participation": the roster
households whose weighted activity in the window reaches ``min_score``.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kernel import outbox, periods
from services.kernel.clock import iso
from services.kernel.errors import invalid

from .common import params
from .models import Household, Participation

def record(session: Session, policy, household_id: str | None, hamlet_id: str | None, village_id: str,
           kind: str, source_id: str, at: datetime) -> bool:
    """Store one activity of a household once; returns False when already stored or unplaceable.

    When this activity lifts the household's weighted score in the window to ``min_score``,
    ``co_management.counted`` says so once: the household now takes part through co-management
    (the participation rate of contributions counts it).
    """
    if not household_id:
        return False
    if hamlet_id is None:
        household = session.get(Household, household_id)
        if household is None:
            return False
        hamlet_id = household.hamlet_id
    exists = session.scalar(select(Participation.id).where(
        Participation.household_id == household_id, Participation.kind == kind,
        Participation.source_id == source_id))
    if exists is not None:
        return False
    rule, version = params(policy, "participation")
    co = rule.get("co_management") or {}
    window = rule.get("window", "quarter")
    period, start, end = window_of(at, window)
    before = _score(session, household_id, start, end, co.get("weights", {}))
    session.add(Participation(household_id=household_id, hamlet_id=hamlet_id, village_id=village_id,
                              kind=kind, source_id=source_id, at=at))
    session.flush()
    outbox.emit(session, "co_management.took_part", {
        "household_id": household_id, "hamlet_id": hamlet_id, "village_id": village_id,
        "kind": kind, "source_id": source_id, "at": iso(at)}, subject=household_id)
    after = before + float(co.get("weights", {}).get(kind, 0))
    if co and before < float(co["min_score"]) <= after:
        outbox.emit(session, "co_management.counted", {
            "household_id": household_id, "hamlet_id": hamlet_id, "village_id": village_id,
            "period": period, "score": round(after, 2), "at": iso(at),
            "rule": {"id": "participation.co_management", "version": version, "policy": "participation"}},
            subject=household_id)
    return True


def _score(session, household_id, start, end, weights) -> float:
    rows = session.execute(select(Participation.kind, func.count()).where(
        Participation.household_id == household_id, Participation.at >= start, Participation.at < end)
        .group_by(Participation.kind)).all()
    return sum(float(weights.get(kind, 0)) * count for kind, count in rows)


def window_of(at: datetime, window: str) -> tuple[str, datetime, datetime]:
    """The period containing ``at`` (the kernel's keys: 2024Q2, 2024H1, 2024) and its bounds."""
    key = periods.period_of(at, window)
    _window, start, end = periods.bounds(key)
    return key, start, end


def hamlet_view(session: Session, policy, hamlet_id: str, at: datetime) -> dict:
    rule, version = params(policy, "participation")
    co = rule.get("co_management")
    if not co:
        raise invalid("participation", "rules/participation.yaml 没有 co_management 的权重")
    weights, min_score = co["weights"], float(co["min_score"])
    period, start, end = window_of(at, rule.get("window", "quarter"))
    roster = session.scalar(select(func.count()).select_from(Household).where(Household.hamlet_id == hamlet_id))
    rows = session.execute(select(Participation.household_id, Participation.kind, func.count())
                           .where(Participation.hamlet_id == hamlet_id, Participation.at >= start,
                                  Participation.at < end)
                           .group_by(Participation.household_id, Participation.kind)).all()
    scores: dict[str, float] = defaultdict(float)
    by_kind: dict[str, int] = defaultdict(int)
    for household_id, kind, count in rows:
        scores[household_id] += float(weights.get(kind, 0)) * count
        by_kind[kind] += count
    counted = sorted(h for h, s in scores.items() if s >= min_score)
    return {"hamlet_id": hamlet_id, "period": period, "window": rule.get("window", "quarter"),
            "roster_households": roster, "active_households": len(scores),
            "counted_households": len(counted), "counted_household_ids": counted,
            "co_management_rate": (len(counted) / roster) if roster else 0.0,
            "activities": dict(sorted(by_kind.items())),
            "scores": {h: round(s, 2) for h, s in sorted(scores.items())},
            "weights": weights, "min_score": min_score, "rule_version": version}
