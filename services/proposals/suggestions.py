"""回音墙 the echo wall: residents' suggestions (群众建议), each publicly answered by a cadre."""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404, listing
from services.kernel.errors import invalid
from services.kernel.ids import new_id

from .lifecycle import SUGGESTION
from . import endorsements
from .models import Motion, Suggestion

def file(session: Session, now, data: dict) -> Suggestion:
    suggestion = Suggestion(
        id=new_id("sug"), village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
        resident_id=data["resident_id"], household_id=data.get("household_id"),
        title=data["title"], body=data.get("body", ""), status=SUGGESTION.initial,
        filed_at=now, level=0, level_since=now)
    session.add(suggestion)
    session.flush()
    outbox.emit(session, "suggestion.filed", {
        "suggestion_id": suggestion.id, "village_id": suggestion.village_id,
        "hamlet_id": suggestion.hamlet_id, "resident_id": suggestion.resident_id,
        "household_id": suggestion.household_id, "title": suggestion.title,
        "filed_at": iso(now)}, subject=suggestion.id)
    return suggestion


def answer(session: Session, now, suggestion_id: str, data: dict) -> Suggestion:
    """The public answer: ``adopted``, ``merged`` into a motion, or ``declined`` with a reason."""
    suggestion = get_or_404(session, Suggestion, suggestion_id, "suggestion")
    SUGGESTION.next(suggestion.status, "answer")
    motion_id = data.get("motion_id")
    if data["outcome"] == "merged" and not motion_id:
        raise invalid("motion_id", "a merged suggestion names the motion it was merged into")
    if motion_id:
        motion = get_or_404(session, Motion, motion_id, "motion")
        if motion.village_id != suggestion.village_id:
            raise invalid("motion_id", "the motion belongs to another village")
    _close(session, suggestion, now, data["outcome"], data["answer"], data["answered_by"],
           motion_id)
    if motion_id:
        endorsements.refresh(session, now, motion)   # its endorsers now stand behind the motion
    return suggestion


def adopt_into(session: Session, suggestion: Suggestion, motion: Motion, by: str, now) -> None:
    """群众建议 → 垸组提议: a suggestion a motion is raised from is answered by that motion."""
    if suggestion.status == "answered":
        suggestion.motion_id = suggestion.motion_id or motion.id
        return
    _close(session, suggestion, now, "adopted", f"已纳入垸组提议「{motion.title}」",
           by, motion.id)


def _close(session, suggestion, now, outcome, text, by, motion_id):
    suggestion.status = SUGGESTION.next(suggestion.status, "answer")
    suggestion.outcome = outcome
    suggestion.answer = text
    suggestion.answered_by = by
    suggestion.answered_at = now
    suggestion.motion_id = motion_id
    suggestion.next_check_at = None
    session.flush()
    outbox.emit(session, "suggestion.answered", {
        "suggestion_id": suggestion.id, "village_id": suggestion.village_id,
        "hamlet_id": suggestion.hamlet_id, "resident_id": suggestion.resident_id,
        "outcome": outcome, "answer": text, "answered_by": by, "motion_id": motion_id,
        "answered_at": iso(now)}, subject=suggestion.id)


def get(session: Session, suggestion_id: str) -> Suggestion:
    return get_or_404(session, Suggestion, suggestion_id, "suggestion")


def find(session: Session, query: dict) -> list[Suggestion]:
    return listing(session, Suggestion, query, ("village_id", "hamlet_id", "status", "resident_id"), Suggestion.filed_at)
