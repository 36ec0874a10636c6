"""好人好事我来讲 good deeds told by residents; a cadre verifies them.

A verified deed is emitted as ``good_deed.verified``; the rules service turns it into
乡风文明积分 civility points (``points.decided``), which scoring records. The deed codes are
the reward deeds of the published civility_points.yaml (read through the policy port when a
deed is told): a code added there is accepted at once, a misspelt one is refused with the list.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel import policy as policy_port
from services.kernel.clock import iso
from services.kernel.db import get_or_404, listing
from services.kernel.errors import Conflict, ValidationFailed, invalid
from services.kernel.ids import new_id

from . import registers
from .lifecycle import GOOD_DEED
from .models import GoodDeed

def deed_codes(policy) -> tuple[int, dict[str, str]]:
    """The version of civility_points.yaml and its reward deeds: ``{code: label}``."""
    answer = policy_port.params(policy, "civility_points")
    deeds = answer["params"].get("deeds") or {}
    return answer["version"], {code: deed.get("label") or code for code, deed in deeds.items()
                               if isinstance(deed, dict) and (deed.get("points") or 0) > 0}


def check_code(policy, code: str) -> None:
    version, valid = deed_codes(policy)
    if code in valid:
        return
    listing = "、".join(f"{c}（{label}）" for c, label in sorted(valid.items()))
    raise ValidationFailed({
        "message": "好人好事的事项代码不在积分目录里 — unknown deed code",
        "fields": {"deed_code": [f"事项代码 {code!r} 不在乡风文明积分目录（civility_points.yaml v{version}）的加分事项里，"
                                 f"请从下列代码中选：{listing} — unknown deed code; valid codes: {', '.join(sorted(valid))}"]},
        "valid": sorted(valid), "policy": {"id": "civility_points", "version": version}})


def report(session: Session, policy, now, data: dict) -> GoodDeed:
    check_code(policy, data["deed_code"])
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
