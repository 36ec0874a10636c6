"""公示 制度监管: results put on notice for the days rules/publicity.yaml gives, objections 异议 from
the village's residents, the supervision committee's public answers, and finality.

An item is final only once its notice period is over, every objection is answered, and no upheld
objection is left unresolved (a title is not awarded, an allocation is held, until then).
Objector and answerer are explicit fields for now; the identity service (issue 11) will vouch for
them. Plain module: no nameko.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, ValidationFailed

from .models import BoardItem, BoardPlace, Objection, Publicity

# What each kind of board item puts on notice.
KIND_OF = {"motion.decided": "decision", "funding.allocated": "allocation", "project.funded": "accounts",
           "title.awarded": "title", "beautiful_hamlet.decided": "award"}
STATUS_TEXT = {"in_notice": "公示中", "awaiting_answer": "有异议，待监督委员会答复",
               "held": "异议成立，暂缓生效", "final": "公示期满，已生效", "withdrawn": "已撤回"}


def kind_of(item: BoardItem) -> str | None:
    kind = KIND_OF.get(item.cause_type)
    if kind == "award" and item.facts.get("outcome") != "awarded":
        return None  # a hamlet that did not reach the standard is news, not an award on notice
    return kind


def _subject(item: BoardItem) -> str:
    return f"{item.cause_type.split('.')[0]}/{item.key or item.cause_event_id}"


def open_for(session: Session, item: BoardItem, params: dict, now: datetime) -> Publicity | None:
    """Put a located board item on notice (once), for the days the publicity rule gives its kind."""
    kind = kind_of(item)
    if kind is None or item.village_id is None:
        return None
    if session.scalar(select(Publicity.id).where(Publicity.cause_event_id == item.cause_event_id)):
        return None
    days = int(params["params"]["notice_days"][kind])
    rule = {"id": "publicity.notice_days", "version": int(params["version"]), "policy": "publicity"}
    pub = Publicity(kind=kind, village_id=item.village_id, hamlet_id=item.hamlet_id,
                    cause_event_id=item.cause_event_id, cause_type=item.cause_type, subject=_subject(item),
                    headline=item.headline, opens_at=now, closes_at=now + timedelta(days=days), rule=rule,
                    status="in_notice")
    session.add(pub)
    session.flush()
    outbox.emit(session, "publicity.opened", {
        "publicity_id": str(pub.id), "kind": kind, "village_id": pub.village_id, "hamlet_id": pub.hamlet_id,
        "cause_event_id": pub.cause_event_id, "cause_type": pub.cause_type, "subject": pub.subject,
        "headline": pub.headline, "opens_at": pub.opens_at.isoformat(), "closes_at": pub.closes_at.isoformat(),
        "rule": rule}, subject=f"publicity/{pub.id}")
    return pub


def status_of(pub: Publicity, objections: list[Objection], now: datetime | None) -> str:
    if pub.status in ("final", "withdrawn"):
        return pub.status
    if any(o.status == "upheld" for o in objections) and pub.resolution is None:
        return "held"
    if any(o.status == "lodged" for o in objections):
        return "awaiting_answer"
    return "in_notice"


def objections_of(session: Session, pub: Publicity) -> list[Objection]:
    return list(session.scalars(select(Objection).where(Objection.publicity_id == pub.id).order_by(Objection.id)))


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite drops the offset


def lodge(session: Session, publicity_id: int, data: dict, now: datetime) -> Objection:
    """异议 from a resident of the item's village, during the notice period."""
    pub = get_or_404(session, Publicity, publicity_id, "publicity", lock=True)
    household = session.get(BoardPlace, data["household_id"])
    if household is None or household.kind != "household" or household.village_id != pub.village_id:
        raise ValidationFailed.from_messages({"household_id": [
            f"户 {data['household_id']} 不是本村（{pub.village_id}）的住户，不能对本村公示提出异议"]})
    if pub.status in ("final", "withdrawn") or now >= aware(pub.closes_at):
        raise Conflict({"message": f"公示 {pub.id} 已于 {aware(pub.closes_at).isoformat()} 期满，不再受理异议",
                        "publicity_id": pub.id})
    objection = Objection(publicity_id=pub.id, resident_id=data["resident_id"], household_id=data["household_id"],
                          reason=data["reason"], lodged_at=now, status="lodged")
    session.add(objection)
    session.flush()
    outbox.emit(session, "objection.lodged", {
        "objection_id": str(objection.id), "publicity_id": str(pub.id), "village_id": pub.village_id,
        "resident_id": objection.resident_id, "household_id": objection.household_id,
        "reason": objection.reason, "lodged_at": now.isoformat()}, subject=f"publicity/{pub.id}")
    return objection


def answer(session: Session, objection_id: int, data: dict, now: datetime) -> Objection:
    """监督委员会 answers publicly: upheld holds the item until it is resolved."""
    objection = get_or_404(session, Objection, objection_id, "objection", lock=True)
    if objection.status != "lodged":
        raise Conflict({"message": f"异议 {objection.id} 已答复（{objection.status}）", "objection_id": objection.id})
    pub = session.get(Publicity, objection.publicity_id)
    objection.status, objection.answer = data["outcome"], data["answer"]
    objection.answered_by, objection.answered_at = data["answered_by"], now
    if data["outcome"] == "upheld":
        pub.status, pub.resolution, pub.resolution_note = "held", None, None
    outbox.emit(session, "objection.answered", {
        "objection_id": str(objection.id), "publicity_id": str(pub.id), "village_id": pub.village_id,
        "outcome": objection.status, "answer": objection.answer, "answered_by": objection.answered_by,
        "answered_at": now.isoformat()}, subject=f"publicity/{pub.id}")
    return objection


def resolve(session: Session, publicity_id: int, data: dict, now: datetime) -> Publicity:
    """An item held by an upheld objection is corrected (then final when its period ends) or withdrawn."""
    pub = get_or_404(session, Publicity, publicity_id, "publicity", lock=True)
    if status_of(pub, objections_of(session, pub), now) != "held":
        raise Conflict({"message": f"公示 {pub.id} 没有成立的异议待处理", "publicity_id": pub.id})
    pub.resolution, pub.resolution_note = data["resolution"], data["note"]
    pub.status = "in_notice"
    outbox.emit(session, "publicity.resolved", {
        "publicity_id": str(pub.id), "village_id": pub.village_id, "resolution": data["resolution"],
        "note": data["note"], "resolved_by": data["resolved_by"], "resolved_at": now.isoformat()},
        subject=f"publicity/{pub.id}")
    if data["resolution"] == "withdrawn":
        _finalise(session, pub, "withdrawn", now)
    return pub


def finalise_due(session: Session, now: datetime, limit: int = 100) -> list[Publicity]:
    """Close every notice period that is over and has nothing open against it."""
    done = []
    due = session.scalars(select(Publicity).where(Publicity.status.in_(("in_notice", "held")),
                                                  Publicity.closes_at <= now)
                          .order_by(Publicity.closes_at).limit(limit))
    for pub in list(due):
        if status_of(pub, objections_of(session, pub), now) == "in_notice":
            _finalise(session, pub, "final", now)
            done.append(pub)
    return done


def _finalise(session: Session, pub: Publicity, outcome: str, now: datetime) -> None:
    pub.status, pub.finalised_at = outcome, now
    outbox.emit(session, "publicity.finalised", {
        "publicity_id": str(pub.id), "kind": pub.kind, "village_id": pub.village_id,
        "cause_event_id": pub.cause_event_id, "subject": pub.subject, "outcome": outcome,
        "objections": len(objections_of(session, pub)), "finalised_at": now.isoformat()},
        subject=f"publicity/{pub.id}")


def listing(session: Session, village_id: str, now: datetime) -> list[dict]:
    out = []
    for pub in session.scalars(select(Publicity).where(Publicity.village_id == village_id)
                               .order_by(Publicity.id.desc())):
        objections = objections_of(session, pub)
        out.append(public_view(pub, objections, now))
    return out


def public_view(pub: Publicity, objections: list[Objection], now: datetime | None) -> dict:
    """What anyone may see: never the objector."""
    status = status_of(pub, objections, now)
    return {"publicity_id": pub.id, "kind": pub.kind, "village_id": pub.village_id, "subject": pub.subject,
            "headline": pub.headline, "opens_at": aware(pub.opens_at).isoformat(),
            "closes_at": aware(pub.closes_at).isoformat(), "status": status, "status_text": STATUS_TEXT[status],
            "rule": pub.rule, "resolution": pub.resolution, "resolution_note": pub.resolution_note,
            "objections": [{"objection_id": o.id, "status": o.status, "answer": o.answer,
                            "answered_at": aware(o.answered_at).isoformat() if o.answered_at else None}
                           for o in objections]}
