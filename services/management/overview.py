"""The operator's questions about one hamlet, answered in one place:
who is responsible for its roads, facilities and households; which reports and fix orders are
open and overdue; how co-management activity moved its participation.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session


from . import linkage, participation, register, routing, supervision
from .common import params
from .models import Area, Assignment, Facility, FixOrder, Post, UpkeepTask


def report_deadline_hours(policy) -> float:
    """The first answerer's deadline for a report (``deadlines`` rule, ladder ``report``)."""
    rule, _version = params(policy, "deadlines")
    return float(rule["ladders"]["report"]["levels"][0]["deadline_hours"])


def open_reports(session: Session, policy, hamlet_id: str, now: datetime) -> list[dict]:
    limit = timedelta(hours=report_deadline_hours(policy))
    rows = session.scalars(select(Assignment).where(Assignment.hamlet_id == hamlet_id,
                                                    Assignment.state.in_(routing.OPEN))
                           .order_by(Assignment.routed_at))
    return [{"assignment": a, "overdue": a.escalated_to is not None or now - a.filed_at > limit,
             "deadline": a.filed_at + limit} for a in rows]


def open_fix_orders(session: Session, hamlet_id: str, now: datetime) -> list[dict]:
    rows = session.scalars(select(FixOrder).where(FixOrder.hamlet_id == hamlet_id,
                                                  FixOrder.state.in_(("open", "fixed")))
                           .order_by(FixOrder.deadline))
    return [{"order": o, "overdue": supervision.is_overdue(o, now)} for o in rows]


def hamlet(session: Session, policy, hamlet_id: str, now: datetime) -> dict:
    areas = list(session.scalars(select(Area).where(Area.hamlet_id == hamlet_id).order_by(Area.id)))
    posts = list(session.scalars(select(Post).where(Post.hamlet_id == hamlet_id, Post.active.is_(True))
                                 .order_by(Post.id)))
    village_id = (areas[0].village_id if areas else posts[0].village_id if posts else None)
    facilities = list(session.scalars(select(Facility).where(Facility.hamlet_id == hamlet_id).order_by(Facility.id)))
    bodies = []
    if village_id is not None:
        bodies = [b for b in register.find_bodies(session, {"village_id": village_id, "limit": 500, "offset": 0})
                  if b.hamlet_id in (hamlet_id, None)]
    coverage = linkage.coverage(session, policy, hamlet_id)
    hubs = [{**h, "household_ids": [x.household_id for x in linkage.linked_households(session, h["hub_household_id"])]}
            for h in coverage["hubs"]]
    late_tasks = list(session.scalars(select(UpkeepTask).join(Facility, Facility.id == UpkeepTask.facility_id)
                                      .where(Facility.hamlet_id == hamlet_id, UpkeepTask.done_at.is_(None),
                                             UpkeepTask.due_at < now).order_by(UpkeepTask.due_at)))
    reports = open_reports(session, policy, hamlet_id, now)
    orders = open_fix_orders(session, hamlet_id, now)
    return {"hamlet_id": hamlet_id,
            "areas": [{"area": a, "posts": [p for p in posts if p.area_id == a.id]} for a in areas],
            "posts": posts, "facilities": facilities, "overdue_upkeep_tasks": late_tasks, "bodies": bodies,
            "linkage": {**coverage, "hubs": hubs},
            "open_reports": reports, "overdue_reports": sum(r["overdue"] for r in reports),
            "open_fix_orders": orders, "overdue_fix_orders": sum(o["overdue"] for o in orders),
            "participation": participation.hamlet_view(session, policy, hamlet_id, now)}
