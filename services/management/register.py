"""组织领管: the register of who manages what.

Bodies (党员志愿服务队, 五会一队, the elected 人居环境监督小组) with members and terms; areas
(road stretches, public areas) of a hamlet; 公益性岗位 public-welfare posts, "定岗定责，专人专管":
one named person, duties, an area, a schedule.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, invalid
from services.kernel.ids import new_id

from .common import page, where
from . import participation
from .models import Area, Body, BodyMember, DutyLog, Post

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def register_body(session: Session, now: datetime, data: dict) -> Body:
    if data.get("term_end") and data["term_end"] < data["term_start"]:
        raise invalid("term_end", "the term ends before it starts")
    body = Body(id=new_id("body"), village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
                kind=data["kind"], name=data["name"], term_start=data["term_start"],
                term_end=data.get("term_end"), elected_at_meeting=data.get("elected_at_meeting"),
                registered_by=data["by"], registered_at=now)
    body.members = [BodyMember(resident_id=m["resident_id"], name=m["name"], role=m.get("role", "member"),
                               household_id=m.get("household_id"), party_member=m.get("party_member", False))
                    for m in data["members"]]
    session.add(body)
    session.flush()
    return body


def award_plaque(session: Session, now: datetime, body_id: str, data: dict) -> Body:
    """授牌: the body is publicly recognised; once only."""
    body = get_body(session, body_id)
    if body.plaque_awarded_at is not None:
        raise Conflict({"message": "这个组织已经授过牌", "body_id": body_id})
    body.plaque_awarded_by, body.plaque_awarded_at = data["by"], now
    session.flush()
    outbox.emit(session, "body.plaque_awarded", {
        "body_id": body.id, "village_id": body.village_id, "hamlet_id": body.hamlet_id,
        "kind": body.kind, "name": body.name, "member_names": [m.name for m in body.members],
        "awarded_by": data["by"], "awarded_at": iso(now)}, subject=body.id)
    return body


def get_body(session: Session, body_id: str) -> Body:
    return get_or_404(session, Body, body_id, "body")


def find_bodies(session: Session, query: dict) -> list[Body]:
    stmt = where(select(Body), Body, query, ("village_id", "hamlet_id", "kind"))
    return page(session, stmt.order_by(Body.village_id, Body.kind, Body.id), query)


def bodies_for(session: Session, village_id: str, hamlet_id: str | None, kind: str, on) -> list[Body]:
    """Bodies of this kind in term on ``on``: the hamlet's own first, then the village's."""
    stmt = select(Body).where(Body.village_id == village_id, Body.kind == kind, Body.term_start <= on,
                              (Body.term_end.is_(None)) | (Body.term_end >= on))
    found = list(session.scalars(stmt.order_by(Body.id)))
    return sorted((b for b in found if b.hamlet_id in (hamlet_id, None)),
                  key=lambda b: b.hamlet_id is None)


# ---- areas and posts ---------------------------------------------------------------------

def register_area(session: Session, data: dict) -> Area:
    if session.get(Area, data["area_id"]) is not None:
        raise Conflict({"message": "这个区域已经登记", "area_id": data["area_id"]})
    area = Area(id=data["area_id"], village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
                kind=data["kind"], name=data["name"], description=data.get("description", ""),
                shared_by=sorted(set(data.get("shared_by", []))))
    session.add(area)
    session.flush()
    return area


def get_area(session: Session, area_id: str) -> Area:
    return get_or_404(session, Area, area_id, "area")


def find_areas(session: Session, query: dict) -> list[Area]:
    stmt = where(select(Area), Area, query, ("village_id", "hamlet_id", "kind"))
    return page(session, stmt.order_by(Area.id), query)


def register_post(session: Session, now: datetime, data: dict) -> Post:
    if data.get("area_id"):
        area = get_area(session, data["area_id"])
        if area.village_id != data["village_id"]:
            raise invalid("area_id", "the area belongs to another village")
    post = Post(id=new_id("post"), village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
                title=data["title"], holder_resident_id=data["holder_resident_id"],
                holder_name=data["holder_name"], holder_household_id=data.get("holder_household_id"),
                duties=sorted(set(data["duties"])),
                duty_text=data.get("duty_text", ""), area_id=data.get("area_id"),
                schedule=data.get("schedule", []), active=True, registered_by=data["by"],
                registered_at=now)
    session.add(post)
    session.flush()
    return post


def get_post(session: Session, post_id: str) -> Post:
    return get_or_404(session, Post, post_id, "post")


def find_posts(session: Session, query: dict) -> list[Post]:
    stmt = where(select(Post), Post, query, ("village_id", "hamlet_id", "area_id", "holder_resident_id"))
    return page(session, stmt.order_by(Post.id), query)


def log_duty(session: Session, policy, now: datetime, post_id: str, data: dict) -> DutyLog:
    """The post holder did the round on a scheduled day (once a day)."""
    post = get_post(session, post_id)
    day = data["day"]
    if post.schedule and WEEKDAYS[day.weekday()] not in post.schedule:
        raise invalid("day", f"{day} 不是这个岗位的排班日（{', '.join(post.schedule)}）")
    if day > now.date():
        raise invalid("day", f"{day} 还没到")
    if session.scalar(select(DutyLog).where(DutyLog.post_id == post.id, DutyLog.day == day)) is not None:
        raise Conflict({"message": f"{day} 的履职已经记过", "post_id": post.id})
    log = DutyLog(post_id=post.id, day=day, note=data.get("note", ""), logged_by=data["by"], logged_at=now)
    session.add(log)
    session.flush()
    participation.record(session, policy, post.holder_household_id, post.hamlet_id, post.village_id, "post_duty",
                         f"{post.id}:{day.isoformat()}", now)
    return log


def duty_days(session: Session, post_id: str) -> list[DutyLog]:
    return list(session.scalars(select(DutyLog).where(DutyLog.post_id == post_id).order_by(DutyLog.day)))


def posts_with_duty(session: Session, village_id: str, hamlet_id: str | None, duty: str) -> list[Post]:
    """Active posts carrying ``duty``: the hamlet's own first, then village-wide ones."""
    found = [p for p in session.scalars(select(Post).where(Post.village_id == village_id,
                                                            Post.active.is_(True)).order_by(Post.id))
             if duty in p.duties and p.hamlet_id in (hamlet_id, None)]
    return sorted(found, key=lambda p: p.hamlet_id is None)


def responsible_for_area(session: Session, area_id: str) -> dict:
    """Who is responsible for this road or public area: its posts and the households sharing it."""
    area = get_area(session, area_id)
    posts = list(session.scalars(select(Post).where(Post.area_id == area.id, Post.active.is_(True))
                                 .order_by(Post.id)))
    return {"area": area, "posts": posts, "shared_by": area.shared_by}
