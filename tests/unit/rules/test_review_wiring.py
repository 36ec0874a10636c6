"""半年评议 from the motion lifecycle: a motion reaching the reviews file's ``start_on`` state is
scheduled (major or small by its matter class), the review events say what is reviewed, and a
withdrawn motion or a completed review stops the schedule."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from services.kernel.clock import FixedClock
from services.kernel.events import Event
from services.rules import reactions, schedules
from services.rules.engine import PolicyBook

from .helpers import bump_version, copy_rules, edit
from .test_schedules import _events, _session, db_url  # noqa: F401  (fixture)

COMPLETED_AT = datetime(2025, 1, 15, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def folder(tmp_path):
    return copy_rules(tmp_path)


def _motion_event(to_state, matter="major", scope="village", budget="350000.00", motion_id="mot-bisheng"):
    data = {"motion_id": motion_id, "village_id": "wuguidun", "hamlet_id": "wuguidun-1",
            "title": "毕昇老街人居环境整治", "scope": scope, "action": "complete", "from_state": "in_progress",
            "to_state": to_state, "by": "secretary", "why": "", "at": COMPLETED_AT,
            "estimated_budget": Decimal(budget), "matter": matter}
    return Event(id=f"evt-{to_state}-{motion_id}", name="motion.transitioned", source="/cocreate/proposals",
                 time=COMPLETED_AT, data=data)


def test_completion_schedules_the_review_by_the_matter_class(folder):
    book = PolicyBook(folder)
    request = reactions.review_for_motion(book, _motion_event("completed").data)
    assert request == {"subject": "motion/mot-bisheng", "kind": "major", "since": COMPLETED_AT.date(),
                       "context": {"motion_id": "mot-bisheng", "title": "毕昇老街人居环境整治",
                                   "village_id": "wuguidun", "hamlet_id": "wuguidun-1"}}
    small = reactions.review_for_motion(book, _motion_event("completed", matter="ordinary").data)
    assert small["kind"] == "small"
    for state in ("approved", "funded", "in_progress", "reviewed"):
        assert reactions.review_for_motion(book, _motion_event(state).data) is None


def test_without_a_matter_class_the_major_matter_rule_decides(folder):
    book = PolicyBook(folder)
    threshold = book.params("major_matter")["params"]["major_budget_yuan"]
    at = reactions.review_for_motion(book, _motion_event("completed", matter=None, scope="hamlet",
                                                         budget=str(threshold)).data)
    below = reactions.review_for_motion(book, _motion_event("completed", matter=None, scope="hamlet",
                                                            budget=str(threshold - 1)).data)
    assert (at["kind"], below["kind"]) == ("major", "small")


def test_policy_staff_can_count_reviews_from_approval(folder):
    edit(folder / "reviews.yaml", "      start_on: completed                          # 从完工之日起算",
         "      start_on: approved                           # 从批准之日起算")
    bump_version(folder / "reviews.yaml")
    book = PolicyBook(folder)
    assert reactions.review_for_motion(book, _motion_event("approved").data)["kind"] == "major"
    assert reactions.review_for_motion(book, _motion_event("completed").data) is None
    assert reactions.review_for_motion(book, _motion_event("completed", matter="ordinary").data) is not None


def test_scheduled_from_the_event_fires_with_what_is_reviewed(folder, db_url):  # noqa: F811
    book, clock = PolicyBook(folder), FixedClock(COMPLETED_AT)
    with _session(db_url) as session:
        row = reactions.on_motion_transitioned(session, book, clock.now(), _motion_event("completed"))
        assert row.next_check_at.isoformat() == "2025-06-16T00:00:00+08:00"  # 2025H1 opens 6-16 (CST)
        assert reactions.on_motion_transitioned(session, book, clock.now(), _motion_event("approved")) is None
        session.commit()
    clock.advance(days=185)
    with _session(db_url) as session:
        [fired] = schedules.fire_due(session, book, clock.now())
        session.commit()
        data = fired["data"]
        assert fired["type"] == "cn.cocreate.review.due" and fired["subject"] == "motion/mot-bisheng"
        assert (data["motion_id"], data["title"], data["village_id"], data["hamlet_id"]) == (
            "mot-bisheng", "毕昇老街人居环境整治", "wuguidun", "wuguidun-1")
        assert data["reviewers"] == ["party_members_meeting", "representatives_assembly"]

    completed = Event(id="evt-review-done", name="review.completed", source="/cocreate/scoring", time=COMPLETED_AT,
                      data={"review_id": "r1", "project_id": "p-bisheng", "motion_id": "mot-bisheng", "kind": "major", "half_year": "2025H2",
                            "verdicts": [], "open_opinions": 0,
                            "rule": {"id": "reviews.due", "version": 2, "policy": "reviews"}})
    clock.advance(days=60)  # well past the grace days: it would escalate if still watched
    with _session(db_url) as session:
        assert reactions.on_review_completed(session, clock.now(), completed).status == schedules.RESOLVED
        session.commit()
        assert schedules.fire_due(session, book, clock.now()) == []
        assert reactions.on_review_completed(session, clock.now(), completed) is None  # nothing left to stop


def test_a_withdrawn_motion_is_not_reviewed(folder, db_url):  # noqa: F811
    book, clock = PolicyBook(folder), FixedClock(COMPLETED_AT)
    edit(folder / "reviews.yaml", "      start_on: completed                          # 从完工之日起算",
         "      start_on: approved                           # 从批准之日起算")
    bump_version(folder / "reviews.yaml")
    book = PolicyBook(folder)
    with _session(db_url) as session:
        reactions.on_motion_transitioned(session, book, clock.now(), _motion_event("approved"))
        assert reactions.on_motion_transitioned(session, book, clock.now(), _motion_event("withdrawn")).status == "resolved"
        assert reactions.on_motion_transitioned(session, book, clock.now(),
                                                _motion_event("withdrawn", motion_id="mot-other")) is None
        session.commit()
    clock.advance(days=400)
    with _session(db_url) as session:
        assert schedules.fire_due(session, book, clock.now()) == []
