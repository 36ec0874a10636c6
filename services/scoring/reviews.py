"""大家评 everyone rates the work: 半年评议, and 最美垸落 most beautiful hamlet.

"对村级重要工作和重大项目，实行党员大会和村民代表大会半年评议，让群众当评委、干部来答题；对垸组事务和
小微型项目，实行垸组评议；对评议中群众提出的合理意见，积极采纳，全力落实。"

Every half year (the ``reviews`` rule's calendar, Asia/Shanghai) a review is opened per subject:
a project (its review completes the motion it carries out) or a piece of the village's important
work (重要工作). Each body the rule names gives its verdict at a meeting the proposals service
says was held with quorum: how many present were 满意 satisfied, 基本满意 basically satisfied
and 不满意 unsatisfied; the rule turns the counts into the body's result. The review's result is
its least satisfied body's. Opinions raised are answered, or adopted as a task with an owner
(责任人) and a deadline, and stay on the village board until carried out (全力落实).

最美垸落: a hamlet applies; the town task force (镇专班) records on-site scores per criterion and a
residents' satisfaction survey; the ``beautiful_hamlet`` rule's weights and threshold decide.
"""
from __future__ import annotations

import logging
from functools import partial
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.kernel import money, outbox, periods
from services.kernel import policy as policy_port
from services.kernel.clock import iso
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, IllegalTransition, NotFound, PolicyRefused, ValidationFailed, invalid
from services.kernel.ids import new_id
from services.kernel.paging import paged

from .models import HamletApplication, Opinion, Project, Review, ReviewVerdict

log = logging.getLogger(__name__)

OPEN, COMPLETED = "open", "completed"
APPLIED, AWARDED, NOT_AWARDED = "applied", "awarded", "not_awarded"
RESULTS = ("satisfied", "basically_satisfied", "unsatisfied")  # most to least satisfied
RESULT_TEXT = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


_get = partial(get_or_404, refresh=True)  # review rows are re-read: verdicts race


def project_registered(session: Session, data: dict) -> Project:
    """``project.registered``: remember which motion the project carries out."""
    project = session.get(Project, data["project_id"]) or Project(project_id=data["project_id"])
    project.motion_id, project.name = data.get("motion_id"), data["name"][:200]
    project.village_id, project.hamlet_id = data["village_id"], data.get("hamlet_id")
    session.merge(project)
    session.flush()
    return project


def _schedule(policy, kind: str, since: date, now: datetime) -> tuple[dict, dict]:
    decision = policy_port.decide(policy, "reviews", {
        "check": "schedule", "kind": kind, "since": since.isoformat(), "now": now.isoformat()},
        outcomes=("not_due", "due", "overdue"))
    return decision, policy_port.rule_ref(decision)


def _existing(session: Session, half_year: str, *, project_id=None, motion_id=None) -> Review | None:
    keys = [c == v for c, v in ((Review.project_id, project_id), (Review.motion_id, motion_id)) if v]
    if not keys:
        return None
    return session.execute(select(Review).where(Review.half_year == half_year, or_(*keys))
                           .limit(1)).scalar_one_or_none()


def open_review(session: Session, policy, data: dict, now: datetime) -> Review:
    """Open a subject's 半年评议 for the half year that contains ``since`` (default: today).

    A project must be one the contributions service registered, in this village; its review
    completes the motion it carries out. Important work (``subject: work``) needs only a title."""
    if data["kind"] == "small" and not data.get("hamlet_id"):
        raise invalid("hamlet_id", "a small project is reviewed by its hamlet")
    project = None
    if data["subject"] == "project":
        if not data.get("project_id"):
            raise invalid("project_id", "a project review names the project (or use subject: work)")
        project = session.get(Project, data["project_id"])
        if project is None:
            raise NotFound({"message": f"项目 {data['project_id']} 不在项目名录中 (no such project registered)",
                            "kind": "project", "id": data["project_id"]})
        if project.village_id != data["village_id"]:
            raise invalid("project_id", f"project {project.project_id} belongs to another village")
    elif data.get("project_id"):
        raise invalid("project_id", "important work (subject: work) names no project")
    since = data.get("since") or periods.local_date(now)
    decision, rule = _schedule(policy, data["kind"], since, now)
    half_year = decision["values"]["half_year"]
    if decision["outcome"] == "not_due":
        raise PolicyRefused({"message": f"{half_year} 的半年评议 {decision['values'].get('due_at')} 起才开始 "
                                        f"(not due: {decision['reason']})", "rule": rule})
    motion_id = project.motion_id if project else None
    if project and _existing(session, half_year, project_id=project.project_id, motion_id=motion_id):
        raise Conflict({"message": f"project {project.project_id} already has a review in {half_year}",
                        "project_id": project.project_id, "half_year": half_year})
    reviewers = list(decision["values"].get("reviewers") or [])
    if not reviewers:
        raise PolicyRefused({"message": "the reviews rule names no reviewing body", "rule": rule})
    review = Review(review_id=new_id("rv"), subject=data["subject"], project_id=project.project_id if project else None,
                    motion_id=motion_id, title=data["title"], kind=data["kind"], village_id=data["village_id"],
                    hamlet_id=data.get("hamlet_id"), half_year=half_year, reviewers=reviewers,
                    due=decision["outcome"], status=OPEN, rule_id=rule["id"], rule_version=rule["version"],
                    opened_by=data["opened_by"], created_at=now)
    session.add(review)
    session.flush()
    return review


def open_scheduled(session: Session, data: dict, overdue: bool, now: datetime) -> Review | None:
    """``review.due`` / ``review.overdue`` from the rules service's schedule: open the motion's
    review (the project that carries it out, when registered) for the half year it fell due in,
    once. The rules service already decided it is due (the event carries the rule, the reviewers
    and the half year), so nothing is asked again. An overdue review already open is marked
    overdue; None when there is nothing to do."""
    if not data.get("motion_id") or not data.get("village_id"):
        log.warning("%s for %s names no motion: open it by hand (open_review)",
                    "review.overdue" if overdue else "review.due", data["subject"])
        return None
    half_year = data.get("half_year") or periods.half_of(datetime.fromisoformat(data["due_at"]))
    project = session.execute(select(Project).where(Project.motion_id == data["motion_id"])
                              .order_by(Project.project_id).limit(1)).scalar_one_or_none()
    existing = _existing(session, half_year, motion_id=data["motion_id"],
                         project_id=project.project_id if project else None)
    if existing is not None:
        if overdue and existing.status == OPEN and existing.due != "overdue":
            existing.due = "overdue"
            session.flush()
            return existing
        return None
    rule = data["rule"]
    review = Review(review_id=new_id("rv"), subject="project", project_id=project.project_id if project else None,
                    motion_id=data["motion_id"], title=(data.get("title") or data["motion_id"])[:200],
                    kind=data["kind"], village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
                    half_year=half_year, reviewers=list(data["reviewers"]), due="overdue" if overdue else "due",
                    status=OPEN, rule_id=rule["id"], rule_version=rule["version"], opened_by="rules", created_at=now)
    session.add(review)
    session.flush()
    return review


def find_reviews(session: Session, *, project_id=None, village_id=None, half_year=None, status=None,
        limit: int | None = None, offset: int = 0) -> list[Review]:
    query = select(Review).order_by(Review.created_at, Review.review_id)
    for column, value in ((Review.project_id, project_id), (Review.village_id, village_id),
                          (Review.half_year, half_year), (Review.status, status)):
        if value:
            query = query.where(column == value)
    return list(session.execute(paged(query, limit, offset)).scalars())


def get_review(session: Session, review_id: str) -> Review:
    return _get(session, Review, review_id, "review")


def verdicts(session: Session, review_id: str) -> list[ReviewVerdict]:
    return list(session.execute(select(ReviewVerdict).where(ReviewVerdict.review_id == review_id)
                                .order_by(ReviewVerdict.id)).scalars())


def opinions(session: Session, *, review_id=None, status=None, village_id=None,
        limit: int | None = None, offset: int = 0) -> list[Opinion]:
    query = select(Opinion).order_by(Opinion.created_at, Opinion.opinion_id)
    if review_id:
        query = query.where(Opinion.review_id == review_id)
    if status:
        query = query.where(Opinion.status == status)
    if village_id:
        query = query.where(Opinion.review_id.in_(select(Review.review_id).where(Review.village_id == village_id)))
    return list(session.execute(paged(query, limit, offset)).scalars())


def record_verdict(session: Session, policy, meeting_quorum, review_id: str, data: dict, now: datetime) -> Review:
    """One body's verdict, taken at ``meeting_id``: ``meeting_quorum(meeting_id)`` (the proposals
    service) says which body met, in which village, whether it was held and met its quorum. The
    satisfaction counts are of those present; the ``reviews`` rule gives the result. Completes
    the review when the last body the rule named has given its verdict."""
    review = _get(session, Review, review_id, "review", lock=True)
    if review.status != OPEN:
        raise IllegalTransition.of("review", review.status, "record_verdict", [])
    meeting = meeting_quorum(data["meeting_id"])
    if meeting["village_id"] != review.village_id:
        raise invalid("meeting_id", f"meeting {data['meeting_id']} is another village's")
    body = meeting["body"]
    if body not in review.reviewers:
        raise invalid("meeting_id", f"a {meeting['kind']} meeting is not a reviewer of this review: "
                                    f"{', '.join(review.reviewers)}")
    if meeting["status"] != "held":
        raise invalid("meeting_id", f"meeting {data['meeting_id']} was not held: {meeting['reason']}")
    if not meeting["quorum_met"]:
        raise PolicyRefused({"message": f"会议未达到法定人数，评议无效：{meeting['reason']} "
                                        "(the meeting did not meet its quorum)",
                             "rule": meeting["rule"], "meeting_id": data["meeting_id"]})
    counts = {name: data[name] for name in RESULTS}
    if sum(counts.values()) > meeting["present"]:
        raise invalid("satisfied", f"{sum(counts.values())} answers but {meeting['present']} were present")
    if session.execute(select(ReviewVerdict.id).where(ReviewVerdict.review_id == review_id,
                                                      ReviewVerdict.body == body)).first():
        raise Conflict({"message": f"{body} has already given its verdict", "body": body})
    decision = policy_port.decide(policy, "reviews", {"check": "satisfaction", **counts}, outcomes=RESULTS)
    rule = policy_port.rule_ref(decision)
    session.add(ReviewVerdict(review_id=review_id, body=body, meeting_id=data["meeting_id"],
                              members=meeting["members"], present=meeting["present"], **counts,
                              result=decision["outcome"], reason=decision["reason"], rule_id=rule["id"],
                              rule_version=rule["version"], recorded_by=data["recorded_by"], created_at=now))
    session.flush()
    given = verdicts(session, review_id)
    if {v.body for v in given} >= set(review.reviewers):
        review.status, review.completed_at = COMPLETED, now
        review.result = max((v.result for v in given if v.result in RESULTS), key=RESULTS.index, default=None)
        session.flush()
        outbox.emit(session, "review.completed", {
            "review_id": review.review_id, "subject": review.subject, "project_id": review.project_id,
            "motion_id": review.motion_id, "title": review.title, "village_id": review.village_id,
            "hamlet_id": review.hamlet_id, "kind": review.kind, "half_year": review.half_year,
            "result": review.result, "verdicts": [verdict_dict(v) for v in given],
            "open_opinions": len(opinions(session, review_id=review_id, status="open")),
            "rule": {"id": review.rule_id, "version": review.rule_version, "policy": "reviews"},
        }, subject=f"review/{review.review_id}")
    return review


def verdict_dict(verdict: ReviewVerdict) -> dict:
    votes = None
    if verdict.votes_for is not None:
        votes = {"for": verdict.votes_for, "against": verdict.votes_against or 0, "abstain": verdict.abstain or 0}
    satisfaction = None
    if verdict.result is not None:
        satisfaction = {name: getattr(verdict, name) for name in RESULTS}
    rule = {"id": verdict.rule_id, "version": verdict.rule_version, "policy": "reviews"} if verdict.rule_id else None
    return {"body": verdict.body, "meeting_id": verdict.meeting_id, "members": verdict.members,
            "present": verdict.present, "satisfaction": satisfaction, "result": verdict.result,
            "reason": verdict.reason, "rule": rule, "score": verdict.score, "votes": votes,
            "recorded_by": verdict.recorded_by}


def add_opinion(session: Session, review_id: str, data: dict, now: datetime) -> Opinion:
    get_review(session, review_id)
    opinion = Opinion(opinion_id=new_id("op"), review_id=review_id, text=data["text"],
                      raised_by=data["raised_by"], status="open", created_at=now)
    session.add(opinion)
    session.flush()
    return opinion


def _opinion_event(review: Review, opinion: Opinion) -> dict:
    return {"opinion_id": opinion.opinion_id, "review_id": review.review_id, "project_id": review.project_id,
            "village_id": review.village_id, "hamlet_id": review.hamlet_id, "title": review.title,
            "half_year": review.half_year, "text": opinion.text, "status": opinion.status,
            "answer": opinion.answer or "", "owner": opinion.owner,
            "due_on": opinion.due_on.isoformat() if opinion.due_on else None}


def answer_opinion(session: Session, opinion_id: str, data: dict, now: datetime) -> Opinion:
    """Answer an opinion, or adopt it (合理意见，积极采纳): an adopted opinion is a task with an
    owner (责任人) and a deadline, on the village board until it is carried out."""
    opinion = _get(session, Opinion, opinion_id, "opinion", lock=True)
    if opinion.status != "open":
        raise IllegalTransition.of("opinion", opinion.status, "answer", [])
    if data.get("adopted"):
        missing = {name: ["an adopted opinion is a task: name its owner and deadline"]
                   for name in ("owner", "due_on") if not data.get(name)}
        if missing:
            raise ValidationFailed.from_messages(missing)
        if data["due_on"] < periods.local_date(now):
            raise invalid("due_on", "the deadline is already past")
        opinion.owner, opinion.due_on = data["owner"], data["due_on"]
    opinion.status = "adopted" if data.get("adopted") else "answered"
    opinion.answer, opinion.answered_by, opinion.answered_at = data["answer"], data["answered_by"], now
    session.flush()
    review = get_review(session, opinion.review_id)
    outbox.emit(session, "opinion.answered", {**_opinion_event(review, opinion), "answered_at": iso(now)},
                subject=f"review/{review.review_id}")
    return opinion


def carry_out_opinion(session: Session, opinion_id: str, data: dict, now: datetime) -> Opinion:
    """全力落实: the adopted opinion's task is done; it leaves the board's open tasks."""
    opinion = _get(session, Opinion, opinion_id, "opinion", lock=True)
    if opinion.status != "adopted":
        raise IllegalTransition.of("opinion", opinion.status, "carry_out", ["answer"] if opinion.status == "open" else [])
    opinion.status, opinion.done_note, opinion.done_by, opinion.done_at = "done", data["note"], data["done_by"], now
    session.flush()
    review = get_review(session, opinion.review_id)
    late = opinion.due_on is not None and periods.local_date(now) > opinion.due_on
    outbox.emit(session, "opinion.carried_out", {
        **_opinion_event(review, opinion), "note": opinion.done_note, "done_at": iso(now), "late": late},
        subject=f"review/{review.review_id}")
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
        "scores": application.scores, "satisfaction": float(ratio)}, outcomes=(AWARDED, NOT_AWARDED))
    rule, values = policy_port.rule_ref(decision), decision["values"]
    application.status = decision["outcome"]
    application.total = money.round_fen(Decimal(str(values.get("total", 0))))  # scores: hundredths
    application.threshold = money.round_fen(Decimal(str(values.get("threshold", 0))))
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
