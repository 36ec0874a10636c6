"""垸组提议 motions: raised from residents' suggestions (or directly), carried through an
explicit lifecycle. Every step is recorded (who, when, why) and emitted as ``motion.transitioned``.
"""
from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy.orm import Session

from services.kernel import money, outbox
from services.kernel.catalogue.planning import BODIES
from services.kernel.clock import iso
from services.kernel.db import get_or_404, listing
from services.kernel.errors import CocreateError, invalid
from services.kernel.ids import new_id
from services.kernel.policy import decide, rule_ref

from . import endorsements
from . import suggestions as suggestions_mod
from .lifecycle import MOTION
from .models import Motion, MotionStep, Suggestion

log = logging.getLogger(__name__)


def create(session: Session, now, data: dict) -> Motion:
    """A draft motion, linked to the suggestions it comes from (answered when it is raised)."""
    linked = []
    for suggestion_id in data.get("suggestion_ids", []):
        suggestion = get_or_404(session, Suggestion, suggestion_id, "suggestion")
        if suggestion.village_id != data["village_id"]:
            raise invalid("suggestion_ids", f"suggestion {suggestion_id} is from another village")
        if suggestion.motion_id is not None:
            raise invalid("suggestion_ids", f"suggestion {suggestion_id} is already in motion {suggestion.motion_id}")
        linked.append(suggestion)
    motion = Motion(
        id=new_id("mot"), village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
        scope=data["scope"], title=data["title"], description=data.get("description", ""),
        estimated_budget=data["estimated_budget"], kind=data.get("kind") or "other",
        contribution_kinds=sorted(set(data.get("contribution_kinds", []))),
        state=MOTION.initial, created_by=data["created_by"], created_at=now, updated_at=now)
    motion.suggestions = linked
    session.add(motion)
    session.flush()
    _record(session, motion, "create", None, MOTION.initial, data["created_by"],
            data.get("why", ""), now)
    if linked:
        endorsements.refresh(session, now, motion)   # the suggestions' endorsers stand behind it
    return motion


def transition(session: Session, policy, now, motion_id: str, action: str, by: str,
               why: str = "") -> Motion:
    """A caller's step (raise, deliberate, request_funding, fund, start, complete, review,
    withdraw). Approval and rejection are not among them: only votes decide (see decisions)."""
    motion = get(session, motion_id)
    target = MOTION.next(motion.state, action)
    classification = classify(policy, motion) if action == "raise" else None
    if classification is not None:
        motion.matter = classification["matter"]
        motion.required_bodies = classification["bodies"]
        motion.matter_reason = classification["reason"]
        motion.matter_rule = classification["rule"]
    step(session, motion, action, by, why, now, target=target)
    if action == "raise":
        for suggestion in motion.suggestions:
            suggestions_mod.adopt_into(session, suggestion, motion, by, now)
        endorsements.refresh(session, now, motion)
    return motion


def classify(policy, motion: Motion) -> dict:
    """重大事务? Asked of the major_matter rule; its answer also names the bodies that decide."""
    budget = Decimal(motion.estimated_budget)
    decision = decide(policy, "major_matter", {
        "scope": motion.scope, "kind": motion.kind or "other",
        "estimated_budget": int(budget) if budget == budget.to_integral_value() else float(budget),
    }, {"major", "ordinary"})
    bodies = decision["values"].get("bodies")
    if not bodies or not isinstance(bodies, list) or not set(bodies) <= set(BODIES):
        raise CocreateError({"message": "major_matter answered without valid bodies",
                             "policy": "major_matter", "answer": repr(decision)[:500]})
    return {"matter": decision["outcome"], "bodies": list(bodies), "reason": decision["reason"],
            "rule": rule_ref(decision)}


def step(session: Session, motion: Motion, action: str, by: str, why: str, now, *,
         target: str | None = None, internal: bool = False) -> MotionStep:
    """Take one lifecycle step (already checked, or checked here) and record it."""
    target = target or MOTION.next(motion.state, action, internal=internal)
    source = motion.state
    motion.state = target
    motion.updated_at = now
    return _record(session, motion, action, source, target, by, why, now)


def _record(session, motion, action, source, target, by, why, now) -> MotionStep:
    # Appended through the relationship, so the motion's steps are current in this session too.
    seq = (motion.steps[-1].seq if motion.steps else 0) + 1
    row = MotionStep(seq=seq, action=action, from_state=source, to_state=target, by=by,
                     why=why or "", at=now)
    motion.steps.append(row)
    session.flush()
    outbox.emit(session, "motion.transitioned", {
        "motion_id": motion.id, "village_id": motion.village_id, "hamlet_id": motion.hamlet_id,
        "title": motion.title, "scope": motion.scope, "action": action, "from_state": source,
        "to_state": target, "by": by, "why": why or "", "at": iso(now),
        "estimated_budget": money.text(motion.estimated_budget), "matter": motion.matter,
        "kind": motion.kind or "other"}, subject=motion.id)
    return row


# Where a motion stands once its money is in: funded, or already past it.
FUNDED_OR_LATER = ("funded", "in_progress", "completed", "reviewed")


def project_funded(session: Session, now, data: dict) -> Motion | None:
    """``project.funded`` from contributions: the motion the project carries out moves from
    funding_requested to funded, recorded as the contributions service's step. Applied once:
    a motion already funded (or further on) is left as it is; one in any other state is not
    moved by money alone and is left for a cadre (logged), as is a motion this service lacks."""
    motion_id = data.get("motion_id")
    if not motion_id:
        return None
    motion = session.get(Motion, motion_id)
    if motion is None:
        log.warning("project %s was funded for motion %s, which proposals does not have",
                    data["project_id"], motion_id)
        return None
    if motion.state in FUNDED_OR_LATER:
        return None
    if "fund" not in MOTION.transitions.get(motion.state, {}):
        log.warning("project %s was funded but motion %s is %s, not funding_requested: not moved",
                    data["project_id"], motion_id, motion.state)
        return None
    raised = sum((Decimal(str(v)) for v in (data.get("raised") or {}).values()), Decimal(0))
    why = (f"project {data['project_id']} funded at {iso(data['funded_at'])}: "
           f"raised {money.text(raised)} of budget {money.text(data['budget'])}")
    step(session, motion, "fund", "contributions", why, now)
    return motion


def review_completed(session: Session, now, data: dict) -> Motion | None:
    """``review.completed`` from scoring: every body the rule names has reviewed the project that
    carries out the motion (半年评议), so the completed motion moves to reviewed, recorded as the
    scoring service's step. Applied once; a review of anything else (important work, a project
    without a motion, a motion not completed) is left."""
    motion = session.get(Motion, data["motion_id"]) if data.get("motion_id") else None
    if motion is None or "review" not in MOTION.transitions.get(motion.state, {}):
        return None
    bodies = ", ".join(str(v.get("body")) for v in data["verdicts"] if v.get("body")) or "the reviewers"
    result = f", result {data['result']}" if data.get("result") else ""
    why = (f"review {data['review_id']} ({data['half_year']}) completed by {bodies}{result}; "
           f"{data['open_opinions']} opinion(s) still tracked until answered")
    step(session, motion, "review", "scoring", why, now)
    return motion


def get(session: Session, motion_id: str) -> Motion:
    return get_or_404(session, Motion, motion_id, "motion")


def find(session: Session, query: dict) -> list[Motion]:
    return listing(session, Motion, query, ("village_id", "hamlet_id", "state", "scope", "matter", "kind"), Motion.created_at)
