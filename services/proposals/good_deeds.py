"""好人好事我来讲 good deeds told by residents; a cadre verifies them.

A verified deed is emitted as ``good_deed.verified``; the rules service turns it into
乡风文明积分 civility points (``points.decided``), which scoring records.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404, listing
from services.kernel.errors import Conflict, invalid
from services.kernel.ids import new_id

from . import registers
from .lifecycle import GOOD_DEED
from .models import GoodDeed

def report(session: Session, now, data: dict) -> GoodDeed:
    registers.place(session, data)
    registers.person(session, data)
    if registers.household(session, data["household_id"], data["village_id"]).hamlet_id != data["hamlet_id"]:
        raise invalid("household_id", f"户 {data['household_id']} 不在垸组 {data['hamlet_id']} (of another hamlet)")
    deed = GoodDeed(
        id=new_id("deed"), village_id=data["village_id"], hamlet_id=data["hamlet_id"],
        household_id=data["household_id"], resident_id=data.get("resident_id"),
        deed_code=data["deed_code"], description=data.get("description", ""),
        state=GOOD_DEED.initial, reported_by=data["reported_by"], reported_at=now)
    session.add(deed)
    session.flush()
    outbox.emit(session, "good_deed.reported", {
        "deed_id": deed.id, "village_id": deed.village_id, "hamlet_id": deed.hamlet_id,
        "household_id": deed.household_id, "resident_id": deed.resident_id,
        "deed_code": deed.deed_code, "description": deed.description,
        "reported_by": deed.reported_by, "reported_at": iso(now)}, subject=deed.id)
    return deed


def verify(session: Session, now, deed_id: str, data: dict) -> GoodDeed:
    deed = get(session, deed_id)
    deed.state = _decide(deed, "verify", data["verified_by"], now, data.get("why", ""))
    outbox.emit(session, "good_deed.verified", {
        "deed_id": deed.id, "household_id": deed.household_id, "resident_id": deed.resident_id,
        "hamlet_id": deed.hamlet_id, "deed_code": deed.deed_code,
        "description": deed.description, "verified_by": deed.decided_by}, subject=deed.id)
    return deed


def reject(session: Session, now, deed_id: str, data: dict) -> GoodDeed:
    deed = get(session, deed_id)
    deed.state = _decide(deed, "reject", data["rejected_by"], now, data["why"])
    outbox.emit(session, "good_deed.rejected", {
        "deed_id": deed.id, "household_id": deed.household_id, "hamlet_id": deed.hamlet_id,
        "rejected_by": deed.decided_by, "why": deed.why}, subject=deed.id)
    return deed


def _decide(deed: GoodDeed, action: str, by: str, now, why: str) -> str:
    target = GOOD_DEED.next(deed.state, action)
    # Points follow from verification, so no one verifies a deed they told themselves.
    if by == deed.reported_by:
        raise Conflict({"message": "a good deed is verified by someone other than its reporter",
                        "by": by})
    deed.decided_by, deed.decided_at, deed.why = by, now, why
    return target


def get(session: Session, deed_id: str) -> GoodDeed:
    return get_or_404(session, GoodDeed, deed_id, "good_deed")


def find(session: Session, query: dict) -> list[GoodDeed]:
    return listing(session, GoodDeed, query, ("village_id", "hamlet_id", "state", "household_id"), GoodDeed.reported_at)
