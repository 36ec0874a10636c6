"""我来提 reports routed to whoever is responsible for their area, by rule.

Reports stay in proposals. Here, ``report.filed`` is read; the ``management`` rule names who
answers for its category (a public-welfare post with a duty, or a kind of body); the post or
body of the report's hamlet is chosen (a village-wide one when the hamlet has none, the least
loaded when several), and ``report.routed`` tells proposals to assign it. Resolution and the
reporter's confirmation come back as events: that gives each post its workload and response
times.
"""
from __future__ import annotations

from datetime import datetime
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.clock import iso

from . import participation, register
from .common import ask, page, where
from .models import Assignment, Post

OPEN = ("open", "unrouted")


def _open_load(session: Session, assignee_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.assignee_id == assignee_id, Assignment.state == "open"))


def route(session: Session, policy, now: datetime, data: dict) -> Assignment:
    existing = session.get(Assignment, data["report_id"])
    if existing is not None:
        return existing
    decision = ask(policy, {"check": "route", "category": data["category"]}, {"public_welfare_post", "body"})
    village_id, hamlet_id = data["village_id"], data.get("hamlet_id")
    assignee = None
    if decision["outcome"] == "public_welfare_post":
        posts = register.posts_with_duty(session, village_id, hamlet_id, decision["values"]["duty"])
        if posts:
            own = [p for p in posts if p.hamlet_id == posts[0].hamlet_id]
            post = min(own, key=lambda p: (_open_load(session, p.id), p.id))
            assignee = ("public_welfare_post", post.id, f"{post.title}（{post.holder_name}）")
    kinds = [decision["values"]["body_kind"]] if decision["outcome"] == "body" else []
    for kind in kinds + ["party_volunteer_team"]:   # the volunteer team takes what nobody holds
        if assignee is None:
            bodies = register.bodies_for(session, village_id, hamlet_id, kind, now.date())
            if bodies:
                assignee = ("body", bodies[0].id, bodies[0].name)
    rule = decision["rule"]
    row = Assignment(report_id=data["report_id"], village_id=village_id, hamlet_id=hamlet_id,
                     category=data["category"], title=data["title"], household_id=data.get("household_id"),
                     assignee_type=assignee[0] if assignee else "none",
                     assignee_id=assignee[1] if assignee else "none",
                     assignee_name=assignee[2] if assignee else "无人负责：请登记岗位或组织",
                     rule_id=rule["id"], rule_version=int(rule["version"]), filed_at=data["at"],
                     routed_at=now, state="open" if assignee else "unrouted")
    session.add(row)
    session.flush()
    if assignee:
        outbox.emit(session, "report.routed", {
            "report_id": row.report_id, "village_id": village_id, "hamlet_id": hamlet_id,
            "assignee_type": row.assignee_type, "assignee_id": row.assignee_id,
            "assignee_name": row.assignee_name, "rule": {**rule, "policy": "management"},
            "routed_at": iso(now)}, subject=row.report_id)
    return row


def assigned(session: Session, data: dict) -> None:
    """A cadre assigned (or re-assigned) the report by hand: the register follows."""
    row = session.get(Assignment, data["report_id"])
    if row is None or row.assignee_id == data["assignee_id"]:
        return
    row.assignee_type = "public_welfare_post" if data["assignee_type"] == "public_welfare_post" else "body"
    row.assignee_id = data["assignee_id"]
    post = session.get(Post, data["assignee_id"])
    row.assignee_name = f"{post.title}（{post.holder_name}）" if post else data["assignee_id"]
    row.state = "open" if row.state == "unrouted" else row.state


def resolved(session: Session, policy, data: dict) -> None:
    row = session.get(Assignment, data["report_id"])
    if row is None:
        return
    row.state, row.resolved_at = "resolved", data["at"]
    post = session.get(Post, row.assignee_id) if row.assignee_type == "public_welfare_post" else None
    if post is not None:
        participation.record(session, policy, post.holder_household_id, post.hamlet_id, post.village_id,
                             "report_handled", row.report_id, data["at"])


def confirmed(session: Session, data: dict) -> None:
    row = session.get(Assignment, data["report_id"])
    if row is None:
        return
    if data["satisfied"]:
        row.state, row.closed_at = "closed", data["at"]
    else:   # reopened: back to its assignee, response time runs again
        row.state, row.resolved_at = "open", None


def escalated(session: Session, data: dict) -> None:
    row = session.get(Assignment, data["report_id"])
    if row is not None:
        row.escalated_to = data["escalate_to"]


def find(session: Session, query: dict) -> list[Assignment]:
    stmt = where(select(Assignment), Assignment, query, ("village_id", "hamlet_id", "assignee_id", "state"))
    if query.get("open_only"):
        stmt = stmt.where(Assignment.state.in_(OPEN))
    return page(session, stmt.order_by(Assignment.routed_at.desc(), Assignment.report_id), query)


def workload(session: Session, post_id: str, now: datetime) -> dict:
    """A post's reports: how many open, resolved, closed; response hours (routed -> resolved)."""
    post = register.get_post(session, post_id)
    rows = list(session.scalars(select(Assignment).where(Assignment.assignee_id == post.id)))
    hours = [(r.resolved_at - r.routed_at).total_seconds() / 3600 for r in rows if r.resolved_at]
    waiting = [(now - r.routed_at).total_seconds() / 3600 for r in rows if r.state == "open"]
    return {"post_id": post.id, "holder_name": post.holder_name, "title": post.title,
            "open": sum(r.state == "open" for r in rows),
            "resolved": sum(r.state == "resolved" for r in rows),
            "closed": sum(r.state == "closed" for r in rows),
            "escalated": sum(r.escalated_to is not None for r in rows),
            "median_response_hours": round(median(hours), 1) if hours else None,
            "max_response_hours": round(max(hours), 1) if hours else None,
            "longest_waiting_hours": round(max(waiting), 1) if waiting else None}
