"""Decisions scoring cannot act on, kept with the reason (never dropped silently).

A rule decision can name a code this service has no way to apply — a title the published
titles.yaml it read does not list (a publish between the decision and the catalogue), or a
personal title with no nominee. Such a decision is stored here with the reason, logged, and
listed by ``list_parked`` (``GET /api/scoring/parked``) until someone resolves it.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel.ids import new_id
from services.kernel.paging import paged

from .models import ParkedDecision

log = logging.getLogger(__name__)


def park(session: Session, *, area: str, code: str, reason: str, decision: dict, now: datetime,
         household_id: str | None = None, period: str | None = None) -> ParkedDecision:
    row = ParkedDecision(parked_id=new_id("pk"), area=area, code=code[:64], household_id=household_id,
                         period=period, reason=reason, decision=decision, parked_at=now)
    session.add(row)
    session.flush()
    log.warning("scoring parked a %s decision naming %r (household %s, %s): %s",
                area, code, household_id, period, reason)
    return row


def list_parked(session: Session, *, area=None, household_id=None, limit: int | None = None,
                offset: int = 0) -> list[ParkedDecision]:
    query = select(ParkedDecision).order_by(ParkedDecision.parked_at, ParkedDecision.parked_id)
    for column, value in ((ParkedDecision.area, area), (ParkedDecision.household_id, household_id)):
        if value:
            query = query.where(column == value)
    return list(session.execute(paged(query, limit, offset)).scalars())
