"""排行榜 rankings per period for the public board: households, hamlets, villages, and hygiene.

Points counted are the approved points earned in the period (spending at the love supermarket
is not a loss of merit). Hamlets and villages are ranked by points per household on their
roster, so a small hamlet competes fairly with a large one (三比三看).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kernel.errors import ValidationFailed

from services.kernel import periods
from .ledger import APPROVED
from .models import Household, Inspection, PointsEntry

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


def _earned(session: Session, period: str):
    return (select(PointsEntry.household_id, func.sum(PointsEntry.points).label("points"))
            .where(PointsEntry.status == APPROVED, PointsEntry.source != "redemption",
                   PointsEntry.quarter.in_(periods.quarters_in(period)))
            .group_by(PointsEntry.household_id).subquery())


def households(session: Session, period: str, *, village_id=None, hamlet_id=None) -> list[dict]:
    earned = _earned(session, period)
    query = (select(Household.household_id, Household.head_name, Household.hamlet_id, Household.village_id,
                    func.coalesce(earned.c.points, 0))
             .outerjoin(earned, earned.c.household_id == Household.household_id))
    if village_id:
        query = query.where(Household.village_id == village_id)
    if hamlet_id:
        query = query.where(Household.hamlet_id == hamlet_id)
    rows = [{"household_id": h, "head_name": name, "hamlet_id": hamlet, "village_id": village,
             "points": int(points)} for h, name, hamlet, village, points in session.execute(query)]
    return rank(rows, "points", "household_id")


def _by(session: Session, period: str, column, id_key: str, village_id=None) -> list[dict]:
    earned = _earned(session, period)
    query = (select(column, func.count(Household.household_id), func.coalesce(func.sum(earned.c.points), 0))
             .outerjoin(earned, earned.c.household_id == Household.household_id).group_by(column))
    if village_id:
        query = query.where(Household.village_id == village_id)
    hygiene = dict(session.execute(
        select(getattr(Inspection, id_key), func.avg(Inspection.score))
        .where(Inspection.quarter.in_(periods.quarters_in(period)))
        .group_by(getattr(Inspection, id_key))).all())
    rows = []
    for ident, count, points in session.execute(query):
        avg = hygiene.get(ident)
        rows.append({id_key: ident, "households": count, "points": int(points),
                     "points_per_household": round(int(points) / count, 2) if count else 0.0,
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
        rows = households(session, period, village_id=village_id, hamlet_id=hamlet_id)
    elif level == "hamlet":
        rows = hamlets(session, period, village_id=village_id)
    elif level == "village":
        rows = villages(session, period)
    else:
        rows = hygiene(session, period, village_id=village_id)
    return {"level": level, "period": period, "village_id": village_id, "hamlet_id": hamlet_id,
            "rows": rows[:limit] if limit else rows}
