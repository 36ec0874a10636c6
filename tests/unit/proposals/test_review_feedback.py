"""review.completed from scoring moves a completed motion to reviewed, recorded as scoring's
step; applied once; a review of anything that is not a completed motion changes nothing."""
from __future__ import annotations

from services.proposals import motions

from .conftest import events, tx
from .test_funding_feedback import _approved


def _completed(data):
    return {"review_id": "rev-1", "project_id": "p-lamps", "motion_id": data, "kind": "small", "half_year": "2024H2",
            "verdicts": [{"body": "hamlet_meeting", "score": 88}], "open_opinions": 1,
            "rule": {"id": "reviews.due", "version": 2, "policy": "reviews"}}


def test_a_completed_review_marks_the_completed_motion_reviewed_once(session, policy, clock):
    motion = _approved(session, policy, clock)
    for action in ("start", "complete"):
        tx(session, motions.transition, policy, clock.now(), motion.id, action, "secretary", "lamps lit")
    clock.advance(days=200)

    moved = tx(session, motions.review_completed, clock.now(), _completed(motion.id))
    assert moved.state == "reviewed"
    last = motions.get(session, motion.id).steps[-1]
    assert (last.action, last.from_state, last.by, last.at) == ("review", "completed", "scoring", clock.now())
    assert "rev-1" in last.why and "hamlet_meeting" in last.why and "1 opinion" in last.why
    assert [e["to_state"] for _, e in events(session, "motion.transitioned")][-1] == "reviewed"

    assert tx(session, motions.review_completed, clock.now(), _completed(motion.id)) is None  # applied once


def test_reviews_of_other_things_change_nothing(session, policy, clock):
    motion = _approved(session, policy, clock)  # approved, not completed
    assert tx(session, motions.review_completed, clock.now(), _completed(motion.id)) is None
    assert motions.get(session, motion.id).state == "approved"
    assert tx(session, motions.review_completed, clock.now(), _completed("project-without-motion")) is None
