"""大家评 everyone rates the work, and 最美垸落 most beautiful hamlet.

Major village projects get a half-year review by the 党员会 party members' meeting and the 代表会
representatives' assembly; small projects and hamlet affairs by the hamlet. Which bodies review,
and whether a review is due, is the ``reviews`` rule's answer. Opinions raised are tracked until
answered or adopted (合理意见积极采纳).

最美垸落: a hamlet applies; the town task force (镇专班) records on-site scores per criterion and a
residents' satisfaction survey; the ``beautiful_hamlet`` rule's weights and threshold decide.
"""
from __future__ import annotations

import logging
from functools import partial
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kernel.ids import new_id
from services.kernel import policy as policy_port
from services.kernel import outbox
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, IllegalTransition, PolicyRefused, ValidationFailed
from services.kernel.paging import paged

from services.kernel import periods
from .models import HamletApplication, Opinion, Review, ReviewVerdict

log = logging.getLogger(__name__)

OPEN, COMPLETED = "open", "completed"
APPLIED, AWARDED, NOT_AWARDED = "applied", "awarded", "not_awarded"


_get = partial(get_or_404, refresh=True)  # review rows are re-read: verdicts race


def open_review(session: Session, policy, data: dict, now: datetime) -> Review:
    if data["kind"] == "small" and not data.get("hamlet_id"):
        raise ValidationFailed.from_messages({"hamlet_id": ["a small project is reviewed by its hamlet"]})
    half_year = periods.half_of(now)
    decision = policy_port.decide(policy, "reviews", {
        "kind": data["kind"], "since": data["since"].isoformat(), "now": now.isoformat()})
    rule = policy_port.rule_ref(decision)
    if decision.get("outcome") == "not_due":
        raise PolicyRefused({"message": f"the review of {data['project_id']} is not due until "
                                        f"{decision['values'].get('due_at')}", "rule": rule})
    if session.execute(select(Review.review_id).where(Review.project_id == data["project_id"],
                                                       Review.half_year == half_year)).first():
        raise Conflict({"message": f"project {data['project_id']} already has a review in {half_year}",
                        "project_id": data["project_id"], "half_year": half_year})
    reviewers = list(decision["values"].get("reviewers") or [])
    if not reviewers:
        raise PolicyRefused({"message": "the reviews rule names no reviewing body", "rule": rule})
    review = Review(review_id=new_id("rv"), project_id=data["project_id"], title=data["title"],
                    kind=data["kind"], village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
                    half_year=half_year, reviewers=reviewers, due=decision.get("outcome") or "due",
                    status=OPEN, rule_id=rule["id"], rule_version=rule["version"],
                    opened_by=data["opened_by"], created_at=now)
    session.add(review)
    session.flush()
    return review


def open_scheduled(session: Session, data: dict, overdue: bool, now: datetime) -> Review | None:
    """``review.due`` / ``review.overdue`` from the rules service's schedule: open the motion's
    review for the half year it fell due in, once. The rules service already decided it is due
    (the event carries the rule, the reviewers and the due date), so nothing is asked again.
    An overdue review already open is marked overdue; None when there is nothing to do."""
    if not data.get("motion_id") or not data.get("village_id"):
        log.warning("%s for %s names no motion: open it by hand (open_review)",
                    "review.overdue" if overdue else "review.due", data["subject"])
        return None
    half_year = periods.half_of(datetime.fromisoformat(data["due_at"]))
    existing = session.execute(select(Review).where(Review.project_id == data["motion_id"],
                                                    Review.half_year == half_year)).scalar_one_or_none()
    if existing is not None:
        if overdue and existing.status == OPEN and existing.due != "overdue":
            existing.due = "overdue"
            session.flush()
            return existing
        return None
    rule = data["rule"]
    review = Review(review_id=new_id("rv"), project_id=data["motion_id"],
                    title=(data.get("title") or data["motion_id"])[:200], kind=data["kind"],
                    village_id=data["village_id"], hamlet_id=data.get("hamlet_id"), half_year=half_year,
                    reviewers=list(data["reviewers"]), due="overdue" if overdue else "due", status=OPEN,
                    rule_id=rule["id"], rule_version=rule["version"], opened_by="rules", created_at=now)
    session.add(review)
    session.flush()
    return review


def find_reviews(session: Session, *, project_id=None, half_year=None, status=None,
        limit: int | None = None, offset: int = 0) -> list[Review]:
    query = select(Review).order_by(Review.created_at, Review.review_id)
    for column, value in ((Review.project_id, project_id), (Review.half_year, half_year), (Review.status, status)):
        if value:
            query = query.where(column == value)
    return list(session.execute(paged(query, limit, offset)).scalars())


def get_review(session: Session, review_id: str) -> Review:
    return _get(session, Review, review_id, "review")


def verdicts(session: Session, review_id: str) -> list[ReviewVerdict]:
    return list(session.execute(select(ReviewVerdict).where(ReviewVerdict.review_id == review_id)
                                .order_by(ReviewVerdict.id)).scalars())


def opinions(session: Session, *, review_id=None, status=None,
        limit: int | None = None, offset: int = 0) -> list[Opinion]:
    query = select(Opinion).order_by(Opinion.created_at, Opinion.opinion_id)
    if review_id:
        query = query.where(Opinion.review_id == review_id)
    if status:
        query = query.where(Opinion.status == status)
    return list(session.execute(paged(query, limit, offset)).scalars())


def record_verdict(session: Session, review_id: str, data: dict, now: datetime) -> Review:
    """One body's verdict: a score, or the votes for/against/abstaining. Completes the review
    when the last body the rule named has given its verdict."""
    review = _get(session, Review, review_id, "review", lock=True)
    if review.status != OPEN:
        raise IllegalTransition.of("review", review.status, "record_verdict", [])
    if data["body"] not in review.reviewers:
        raise ValidationFailed.from_messages({"body": [f"not a reviewer of this review: {', '.join(review.reviewers)}"]})
    if session.execute(select(ReviewVerdict.id).where(ReviewVerdict.review_id == review_id,
                                                      ReviewVerdict.body == data["body"])).first():
        raise Conflict({"message": f"{data['body']} has already given its verdict", "body": data["body"]})
    votes = data.get("votes") or {}
    session.add(ReviewVerdict(review_id=review_id, body=data["body"], score=data.get("score"),
                              votes_for=votes.get("for"), votes_against=votes.get("against"),
                              abstain=votes.get("abstain"), recorded_by=data["recorded_by"], created_at=now))
    session.flush()
    given = verdicts(session, review_id)
    if {v.body for v in given} >= set(review.reviewers):
        review.status, review.completed_at = COMPLETED, now
        session.flush()
        outbox.emit(session, "review.completed", {
            "review_id": review.review_id, "project_id": review.project_id, "kind": review.kind,
            "half_year": review.half_year, "verdicts": [verdict_dict(v) for v in given],
            "open_opinions": len(opinions(session, review_id=review_id, status="open")),
            "rule": {"id": review.rule_id, "version": review.rule_version, "policy": "reviews"},
        }, subject=f"project/{review.project_id}")
    return review


def verdict_dict(verdict: ReviewVerdict) -> dict:
    votes = None
    if verdict.votes_for is not None:
        votes = {"for": verdict.votes_for, "against": verdict.votes_against or 0, "abstain": verdict.abstain or 0}
    return {"body": verdict.body, "score": verdict.score, "votes": votes, "recorded_by": verdict.recorded_by}


def add_opinion(session: Session, review_id: str, data: dict, now: datetime) -> Opinion:
    get_review(session, review_id)
    opinion = Opinion(opinion_id=new_id("op"), review_id=review_id, text=data["text"],
                      raised_by=data["raised_by"], status="open", created_at=now)
    session.add(opinion)
    session.flush()
    return opinion


def answer_opinion(session: Session, opinion_id: str, data: dict, now: datetime) -> Opinion:
    opinion = _get(session, Opinion, opinion_id, "opinion", lock=True)
    if opinion.status != "open":
        raise IllegalTransition.of("opinion", opinion.status, "answer", [])
    opinion.status = "adopted" if data.get("adopted") else "answered"
    opinion.answer, opinion.answered_by, opinion.answered_at = data["answer"], data["answered_by"], now
    session.flush()
    review = get_review(session, opinion.review_id)
    outbox.emit(session, "opinion.answered", {
        "opinion_id": opinion.opinion_id, "review_id": review.review_id, "project_id": review.project_id,
        "status": opinion.status, "answer": opinion.answer}, subject=f"project/{review.project_id}")
    return opinion


# 最美垸落 ---------------------------------------------------------------------------------

def apply_hamlet(session: Session, data: dict, now: datetime) -> HamletApplication:
    year = str(data.get("year") or periods.local_date(now).year)
    if session.execute(select(HamletApplication.application_id).where(
            HamletApplication.hamlet_id == data["hamlet_id"], HamletApplication.year == year)).first():
        raise Conflict({"message": f"hamlet {data['hamlet_id']} has already applied for {year}",
                        "hamlet_id": data["hamlet_id"], "year": year})
    application = HamletApplication(
        application_id=new_id("ha"), hamlet_id=data["hamlet_id"], village_id=data["village_id"],
        town_id=data["town_id"], year=year, statement=data.get("statement", ""), status=APPLIED, created_at=now)
    session.add(application)
    session.flush()
    return application


def get_application(session: Session, application_id: str, *, lock: bool = False) -> HamletApplication:
    return _get(session, HamletApplication, application_id, "hamlet application", lock=lock)


def _applied(session: Session, application_id: str, action: str) -> HamletApplication:
    application = get_application(session, application_id, lock=True)
    if application.status != APPLIED:
        raise IllegalTransition.of("hamlet application", application.status, action, [])
    return application


def record_scores(session: Session, policy, application_id: str, data: dict) -> HamletApplication:
    """镇专班实地评估 the task force's on-site scores, one per published criterion (0..100)."""
    published = policy_port.find_param(policy_port.params(policy, "beautiful_hamlet")["params"], "criteria")
    if isinstance(published, dict):  # score exactly the criteria the rule file publishes
        errors = {f"scores.{c}": ["not a published criterion"] for c in data["scores"] if c not in published}
        errors.update({f"scores.{c}": ["missing: every published criterion is scored"]
                       for c in published if c not in data["scores"]})
        if errors:
            raise ValidationFailed.from_messages(errors)
    application = _applied(session, application_id, "record_scores")
    if application.scores is not None:
        raise Conflict({"message": "the on-site scores are already recorded", "scores": application.scores})
    application.scores, application.assessed_by = dict(data["scores"]), data["assessed_by"]
    session.flush()
    return application


def record_survey(session: Session, application_id: str, data: dict) -> HamletApplication:
    """测评群众满意度 the residents' satisfaction survey: how many answered, how many are satisfied."""
    application = _applied(session, application_id, "record_survey")
    if application.respondents is not None:
        raise Conflict({"message": "the survey is already recorded"})
    if data["satisfied"] > data["respondents"]:
        raise ValidationFailed.from_messages({"satisfied": ["more satisfied residents than respondents"]})
    application.respondents, application.satisfied = data["respondents"], data["satisfied"]
    session.flush()
    return application


def satisfaction(application: HamletApplication) -> Decimal | None:
    if not application.respondents:
        return None
    return (Decimal(application.satisfied) / Decimal(application.respondents)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP)


def decide_hamlet(session: Session, policy, application_id: str, decided_by: str, now: datetime) -> HamletApplication:
    application = _applied(session, application_id, "decide")
    missing = [name for name, value in (("scores", application.scores), ("survey", application.respondents))
               if value is None]
    if missing:
        raise IllegalTransition({"message": f"cannot decide before the {' and '.join(missing)} are recorded",
                                 "current": application.status, "requested": "decide", "allowed": [],
                                 "missing": missing})
    ratio = satisfaction(application)
    decision = policy_port.decide(policy, "beautiful_hamlet", {
        "scores": application.scores, "satisfaction": float(ratio)})
    rule, values = policy_port.rule_ref(decision), decision["values"]
    if decision.get("outcome") not in (AWARDED, NOT_AWARDED):
        raise PolicyRefused({"message": f"unexpected outcome {decision.get('outcome')!r}", "rule": rule})
    application.status = decision["outcome"]
    application.total = Decimal(str(values.get("total", 0))).quantize(Decimal("0.01"))
    application.threshold = Decimal(str(values.get("threshold", 0))).quantize(Decimal("0.01"))
    application.rule_id, application.rule_version = rule["id"], rule["version"]
    application.decided_by, application.decided_at = decided_by, now
    session.flush()
    outbox.emit(session, "beautiful_hamlet.decided", {
        "application_id": application.application_id, "hamlet_id": application.hamlet_id,
        "village_id": application.village_id, "year": application.year, "outcome": application.status,
        "total": application.total, "threshold": application.threshold, "satisfaction": ratio, "rule": rule,
    }, subject=f"hamlet/{application.hamlet_id}")
    return application


def list_applications(session: Session, *, year=None, status=None, town_id=None,
        limit: int | None = None, offset: int = 0) -> list[HamletApplication]:
    query = select(HamletApplication).order_by(HamletApplication.year, HamletApplication.created_at)
    for column, value in ((HamletApplication.year, year), (HamletApplication.status, status),
                          (HamletApplication.town_id, town_id)):
        if value:
            query = query.where(column == value)
    return list(session.execute(paged(query, limit, offset)).scalars())


def open_opinion_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Opinion).where(Opinion.status == "open")).scalar_one()
