"""排行榜 rankings per period for the public board: households, hamlets, villages, and hygiene.

Points counted are the approved points earned in the period (spending at the love supermarket
is not a loss of merit), kept per household and period by the ledger (``PeriodPoints``), so a
request reads an index, not every entry. Hamlets and villages are ranked by points per household on their
roster, so a small hamlet competes fairly with a large one (三比三看).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kernel import periods
from services.kernel.errors import ValidationFailed

from .models import Household, Inspection, PeriodPoints

LEVELS = ("household", "hamlet", "village", "hygiene")


def rank(rows: list[dict], key: str, id_key: str) -> list[dict]:
    """Competition ranking (1, 1, 3): equal values share a rank; ties listed by id."""
    rows = sorted(rows, key=lambda r: (-r[key], str(r[id_key])))
    previous, position = object(), 0
    for index, row in enumerate(rows, start=1):
        if row[key] != previous:
            position, previous = index, row[key]
        row["rank"] = position
    return rows


COUNTY_LIMIT = 100  # a county-wide household ranking without a limit shows its top rows


def _where(query, model, village_id=None, hamlet_id=None):
    if village_id:
        query = query.where(model.village_id == village_id)
    if hamlet_id:
        query = query.where(model.hamlet_id == hamlet_id)
    return query


def households(session: Session, period: str, *, village_id=None, hamlet_id=None, limit: int | None = None) -> list[dict]:
    """Households by the points they earned in the period (kept in ``PeriodPoints``). With a
    limit (always, county-wide) only the top rows are read: those with points, best first, then
    households with none by id, then those below zero; never every household of the county."""
    if limit is None and not (village_id or hamlet_id):
        limit = COUNTY_LIMIT
    if limit is None:  # a village or hamlet: its households, all of them
        query = _where(select(Household.household_id, func.coalesce(PeriodPoints.points, 0)).outerjoin(
            PeriodPoints, (PeriodPoints.household_id == Household.household_id) & (PeriodPoints.period == period)),
            Household, village_id, hamlet_id)
        ranked = [(h, int(p)) for h, p in session.execute(query)]
    else:
        tallied = _where(select(PeriodPoints.household_id, PeriodPoints.points).join(
            Household, Household.household_id == PeriodPoints.household_id).where(PeriodPoints.period == period),
            Household, village_id, hamlet_id)
        ranked = [(h, int(p)) for h, p in session.execute(
            tallied.where(PeriodPoints.points > 0).order_by(PeriodPoints.points.desc(), PeriodPoints.household_id)
            .limit(limit))]
        if len(ranked) < limit:
            nonzero = select(PeriodPoints.household_id).where(PeriodPoints.period == period, PeriodPoints.points != 0)
            ranked += [(h, 0) for h in session.scalars(_where(
                select(Household.household_id).where(Household.household_id.not_in(nonzero)), Household,
                village_id, hamlet_id).order_by(Household.household_id).limit(limit - len(ranked)))]
        if len(ranked) < limit:
            ranked += [(h, int(p)) for h, p in session.execute(
                tallied.where(PeriodPoints.points < 0).order_by(PeriodPoints.points.desc(), PeriodPoints.household_id)
                .limit(limit - len(ranked)))]
    found = {h.household_id: h for h in session.scalars(
        select(Household).where(Household.household_id.in_([h for h, _ in ranked])))} if ranked else {}
    rows = [{"household_id": h, "head_name": found[h].head_name, "hamlet_id": found[h].hamlet_id,
             "village_id": found[h].village_id, "points": points} for h, points in ranked]
    return rank(rows, "points", "household_id")


def _by(session: Session, period: str, column, id_key: str, village_id=None) -> list[dict]:
    """Hamlets or villages by points per household: two grouped queries (the tallies' sums, the
    roster's counts), nothing per household."""
    tally_column = getattr(PeriodPoints, id_key)
    points = dict(session.execute(_where(select(tally_column, func.sum(PeriodPoints.points))
                                         .where(PeriodPoints.period == period), PeriodPoints, village_id)
                                  .group_by(tally_column)).all())
    counts = session.execute(_where(select(column, func.count(Household.household_id)), Household, village_id)
                             .group_by(column)).all()
    hygiene = dict(session.execute(
        select(getattr(Inspection, id_key), func.avg(Inspection.score))
        .where(Inspection.quarter.in_(periods.quarters_in(period)))
        .group_by(getattr(Inspection, id_key))).all())
    rows = []
    for ident, count in counts:
        avg, earned = hygiene.get(ident), int(points.get(ident) or 0)
        rows.append({id_key: ident, "households": count, "points": earned,
                     "points_per_household": round(earned / count, 2) if count else 0.0,
                     "hygiene_average": round(float(avg), 2) if avg is not None else None})
    return rank(rows, "points_per_household", id_key)


def hamlets(session: Session, period: str, *, village_id=None) -> list[dict]:
    rows = _by(session, period, Household.hamlet_id, "hamlet_id", village_id)
    villages = dict(session.execute(select(Household.hamlet_id, Household.village_id).distinct()).all())
    for row in rows:
        row["village_id"] = villages.get(row["hamlet_id"])
    return rows


def villages(session: Session, period: str) -> list[dict]:
    return _by(session, period, Household.village_id, "village_id")


def hygiene(session: Session, period: str, *, village_id=None) -> list[dict]:
    """比一比 hamlets by the average cleaning-day score of their yards, in a week or longer period."""
    if periods.WEEK.match(period):
        where = [Inspection.week == period]
    else:
        where = [Inspection.quarter.in_(periods.quarters_in(period))]
    if village_id:
        where.append(Inspection.village_id == village_id)
    rows = session.execute(select(
        Inspection.hamlet_id, Inspection.village_id, func.avg(Inspection.score),
        func.count(Inspection.inspection_id), func.count(func.distinct(Inspection.household_id)),
    ).where(*where).group_by(Inspection.hamlet_id, Inspection.village_id)).all()
    table = [{"hamlet_id": hamlet, "village_id": village, "average_score": round(float(avg), 2),
              "inspections": count, "households_inspected": inspected}
             for hamlet, village, avg, count, inspected in rows]
    return rank(table, "average_score", "hamlet_id")


def board(session: Session, level: str, period: str, *, village_id=None, hamlet_id=None,
          limit: int | None = None) -> dict:
    if level not in LEVELS:
        raise ValidationFailed.from_messages({"level": [f"one of {', '.join(LEVELS)}"]})
    weekly = level == "hygiene" and periods.WEEK.match(period)
    if not (weekly or periods.is_ranking_period(period)):
        raise ValidationFailed.from_messages({"period": ["a quarter (2025Q2), half year (2025H1), year (2025)"
                                                         + (" or week (2025-W23)" if level == "hygiene" else "")]})
    if level == "household":
        rows = households(session, period, village_id=village_id, hamlet_id=hamlet_id, limit=limit)
    elif level == "hamlet":
        rows = hamlets(session, period, village_id=village_id)
    elif level == "village":
        rows = villages(session, period)
    else:
        rows = hygiene(session, period, village_id=village_id)
    return {"level": level, "period": period, "village_id": village_id, "hamlet_id": hamlet_id,
            "rows": rows[:limit] if limit else rows}
