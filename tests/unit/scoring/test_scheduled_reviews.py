"""review.due / review.overdue from the rules service's schedule open the motion's review: once per
motion and half year, with the reviewers and rule the event carries; overdue marks it."""
from __future__ import annotations


import pytest

from services.scoring import reviews

from tests.support.policy import FixturePolicy

from .conftest import NOW
from .helpers import Meetings, both_bodies


def _due(motion_id="mot-bisheng", due_at="2025-07-15T00:00:00+00:00", **over):
    data = {"schedule_id": "s1", "subject": f"motion/{motion_id}", "kind": "major", "since": "2025-01-15",
            "due_at": due_at, "reviewers": ["party_members_meeting", "representatives_assembly"],
            "escalate_to": None, "reason": "due", "rule": {"id": "reviews.due", "version": 2, "policy": "reviews"},
            "motion_id": motion_id, "title": "毕昇老街人居环境整治", "village_id": "wuguidun", "hamlet_id": None}
    data.update(over)
    return data


def test_review_due_opens_the_review_once_per_half_year(session):
    review = reviews.open_scheduled(session, _due(), False, NOW)
    assert (review.motion_id, review.project_id, review.kind, review.half_year, review.status, review.due) == (
        "mot-bisheng", None, "major", "2025H2", "open", "due")
    assert review.reviewers == ["party_members_meeting", "representatives_assembly"]
    assert (review.rule_id, review.rule_version, review.opened_by) == ("reviews.due", 2, "rules")
    # the same schedule firing again (or a second schedule for the motion): nothing new
    assert reviews.open_scheduled(session, _due(schedule_id="s2"), False, NOW) is None
    assert [r.review_id for r in reviews.find_reviews(session, village_id="wuguidun")] == [review.review_id]
    # the next half year is another review
    later = reviews.open_scheduled(session, _due(due_at="2026-01-15T00:00:00+00:00"), False, NOW)
    assert later.half_year == "2026H1"


def test_overdue_marks_the_open_review_or_opens_it_overdue(session):
    review = reviews.open_scheduled(session, _due(), False, NOW)
    overdue = _due(rule={"id": "reviews.overdue", "version": 2, "policy": "reviews"}, escalate_to="town")
    assert reviews.open_scheduled(session, overdue, True, NOW).review_id == review.review_id
    assert reviews.get_review(session, review.review_id).due == "overdue"
    assert reviews.open_scheduled(session, overdue, True, NOW) is None  # already marked

    missed = reviews.open_scheduled(session, _due(motion_id="mot-lamp", kind="small", hamlet_id="g3",
                                                  reviewers=["hamlet_meeting"]), True, NOW)
    assert (missed.due, missed.kind, missed.reviewers) == ("overdue", "small", ["hamlet_meeting"])


def test_a_completed_review_is_not_reopened_or_marked(session):
    review = reviews.open_scheduled(session, _due(), False, NOW)
    meetings = Meetings()
    for meeting_id in both_bodies(meetings):
        reviews.record_verdict(session, FixturePolicy(), meetings, review.review_id, {
            "meeting_id": meeting_id, "satisfied": 9, "basically_satisfied": 1, "unsatisfied": 0,
            "recorded_by": "secretary"}, NOW)
    assert reviews.open_scheduled(session, _due(), True, NOW) is None
    assert reviews.get_review(session, review.review_id).due == "due"


@pytest.mark.parametrize("missing", ["motion_id", "village_id"])
def test_a_schedule_that_names_no_motion_opens_nothing(session, missing):
    assert reviews.open_scheduled(session, _due(**{missing: None}), False, NOW) is None
    assert reviews.find_reviews(session) == []


def test_the_review_of_a_motion_is_the_review_of_the_project_that_carries_it_out(session):
    reviews.project_registered(session, {"project_id": "p-bisheng", "motion_id": "mot-bisheng",
                                         "name": "毕昇老街", "village_id": "wuguidun", "hamlet_id": None})
    review = reviews.open_scheduled(session, _due(), False, NOW)
    assert (review.project_id, review.motion_id) == ("p-bisheng", "mot-bisheng")
    assert reviews.open_scheduled(session, _due(), False, NOW) is None
