"""半年评议 as the seeds run it: every half year the 党员大会 and the 村民代表会议 review the village's
important work and its projects; each verdict comes from a held meeting that met its quorum, with
a satisfaction result by the reviews rule; adopted opinions are tasks with an owner and a deadline
until carried out; the review of a project completes the motion it carries out."""
from datetime import date, datetime, timezone

import pytest

from services.kernel.errors import (Conflict, IllegalTransition, NotFound, PolicyRefused, ValidationFailed)
from services.scoring import reviews
from tests.support.policy import FixturePolicy

from .conftest import NOW
from .helpers import Meetings, both_bodies, emitted

JUNE_20 = datetime(2025, 6, 20, 2, 0, tzinfo=timezone.utc)   # inside 2025H1's review window (from 6-16)


@pytest.fixture
def policy():
    return FixturePolicy()


@pytest.fixture
def meetings():
    return Meetings()


def _project(session, project_id="p-bisheng", motion_id="mot-bisheng", village_id="wuguidun"):
    return reviews.project_registered(session, {"project_id": project_id, "motion_id": motion_id,
                                                "name": "毕昇老街人居环境整治", "village_id": village_id,
                                                "hamlet_id": None})


def open_review(session, policy, now=JUNE_20, **kw):
    data = {"subject": "project", "project_id": "p-bisheng", "title": "毕昇老街人居环境整治", "kind": "major",
            "village_id": "wuguidun", "hamlet_id": None, "since": None, "opened_by": "secretary", **kw}
    return reviews.open_review(session, policy, data, now)


def verdict(session, policy, meetings, review, meeting_id, satisfied, basically=0, unsatisfied=0):
    return reviews.record_verdict(session, policy, meetings, review.review_id, {
        "meeting_id": meeting_id, "satisfied": satisfied, "basically_satisfied": basically,
        "unsatisfied": unsatisfied, "recorded_by": "clerk"}, JUNE_20)


def test_a_project_is_reviewed_by_both_bodies_at_meetings_with_quorum(roster, policy, meetings):
    _project(roster)
    review = open_review(roster, policy)
    assert (review.half_year, review.reviewers, review.motion_id) == (
        "2025H1", ["party_members_meeting", "representatives_assembly"], "mot-bisheng")
    party, reps = both_bodies(meetings)
    verdict(roster, policy, meetings, review, party, 8, 1, 1)
    assert review.status == "open"
    with pytest.raises(Conflict):
        verdict(roster, policy, meetings, review, party, 8, 1, 1)
    verdict(roster, policy, meetings, review, reps, 12, 3, 9)   # 15 of 24: 62.5% -> basically satisfied
    assert (review.status, review.result) == ("completed", "basically_satisfied")
    [event] = emitted(roster, "review.completed")
    assert (event["project_id"], event["motion_id"], event["village_id"], event["result"]) == (
        "p-bisheng", "mot-bisheng", "wuguidun", "basically_satisfied")
    party_verdict, reps_verdict = event["verdicts"]
    assert (party_verdict["result"], party_verdict["present"], party_verdict["meeting_id"]) == ("satisfied", 10, "m-party")
    assert party_verdict["satisfaction"] == {"satisfied": 8, "basically_satisfied": 1, "unsatisfied": 1}
    assert reps_verdict["rule"] == {"id": "reviews.basically_satisfied", "version": 3, "policy": "reviews"}
    with pytest.raises(IllegalTransition):
        verdict(roster, policy, meetings, review, party, 1)


def test_a_verdict_needs_a_held_meeting_of_a_reviewing_body_that_met_its_quorum(roster, policy, meetings):
    _project(roster)
    review = open_review(roster, policy)
    meetings.add("m-short", "party_members", members=12, present=5, quorum=False)
    meetings.add("m-planned", "party_members", held=False)
    meetings.add("m-hamlet", "hamlet")
    meetings.add("m-elsewhere", "party_members", village_id="other")
    with pytest.raises(PolicyRefused) as short:
        verdict(roster, policy, meetings, review, "m-short", 5)
    assert short.value.detail["rule"]["id"] == "quorum.no_quorum"
    for meeting_id, field in (("m-planned", "meeting_id"), ("m-hamlet", "meeting_id"), ("m-elsewhere", "meeting_id")):
        with pytest.raises(ValidationFailed) as bad:
            verdict(roster, policy, meetings, review, meeting_id, 5)
        assert field in bad.value.detail["fields"]
    meetings.add("m-party", "party_members", members=12, present=10)
    with pytest.raises(ValidationFailed) as too_many:  # more answers than people present
        verdict(roster, policy, meetings, review, "m-party", 9, 1, 1)
    assert "satisfied" in too_many.value.detail["fields"]
    with pytest.raises(NotFound):
        verdict(roster, policy, meetings, review, "m-nowhere", 1)
    assert reviews.verdicts(roster, review.review_id) == []


def test_the_satisfaction_thresholds_are_the_rule_files(roster, meetings):
    """A publish that raises the bar changes the result with no code change."""
    _project(roster)
    strict = FixturePolicy(reviews={"satisfaction": {"count_basically": False, "satisfied_at_least": 0.9,
                                                     "basically_at_least": 0.7}})
    review = open_review(roster, strict)
    party, reps = both_bodies(meetings)
    verdict(roster, strict, meetings, review, party, 8, 2, 0)  # 80% satisfied without counting 基本满意
    verdict(roster, strict, meetings, review, reps, 24)
    assert [v.result for v in reviews.verdicts(roster, review.review_id)] == ["basically_satisfied", "satisfied"]
    assert review.result == "basically_satisfied"


def test_reviews_open_by_the_half_year_calendar(roster, policy):
    _project(roster)
    with pytest.raises(PolicyRefused):  # 2025-05-16: 2025H1's review opens on 6-16
        open_review(roster, policy, now=NOW)
    review = open_review(roster, policy, now=NOW, since=date(2024, 11, 1))  # 2024H2's, overdue
    assert (review.half_year, review.due) == ("2024H2", "overdue")
    with pytest.raises(Conflict):
        open_review(roster, policy, now=NOW, since=date(2024, 12, 1))
    assert open_review(roster, policy).half_year == "2025H1"


def test_important_work_and_unknown_projects(roster, policy):
    work = open_review(roster, policy, subject="work", project_id=None, title="2025 上半年村级重要工作：人居环境整治")
    assert (work.subject, work.project_id, work.motion_id) == ("work", None, None)
    with pytest.raises(NotFound):
        open_review(roster, policy, project_id="p-invented")
    _project(roster, project_id="p-other", village_id="other")
    with pytest.raises(ValidationFailed) as elsewhere:
        open_review(roster, policy, project_id="p-other")
    assert "project_id" in elsewhere.value.detail["fields"]
    with pytest.raises(ValidationFailed):
        open_review(roster, policy, kind="small", project_id=None, subject="work")  # a hamlet's review names it
    small = open_review(roster, policy, kind="small", subject="work", project_id=None, hamlet_id="g3", title="垸组事务")
    assert small.reviewers == ["hamlet_meeting"]


def test_adopted_opinions_are_tasks_until_carried_out(roster, policy):
    review = open_review(roster, policy, subject="work", project_id=None, title="村级重要工作")
    lamps = reviews.add_opinion(roster, review.review_id, {"text": "老街路灯太少", "raised_by": "r1"}, JUNE_20)
    ditch = reviews.add_opinion(roster, review.review_id, {"text": "水渠要清淤", "raised_by": "r2"}, JUNE_20)
    with pytest.raises(ValidationFailed) as untracked:  # 合理意见，积极采纳: adopted means owned, with a deadline
        reviews.answer_opinion(roster, lamps.opinion_id, {"answer": "采纳", "answered_by": "s", "adopted": True}, JUNE_20)
    assert set(untracked.value.detail["fields"]) == {"owner", "due_on"}
    with pytest.raises(ValidationFailed):
        reviews.answer_opinion(roster, lamps.opinion_id, {"answer": "采纳", "answered_by": "s", "adopted": True,
                                                          "owner": "伍建国", "due_on": date(2025, 6, 1)}, JUNE_20)
    with pytest.raises(IllegalTransition):  # not adopted yet
        reviews.carry_out_opinion(roster, lamps.opinion_id, {"note": "x", "done_by": "s"}, JUNE_20)
    reviews.answer_opinion(roster, lamps.opinion_id, {"answer": "加装 6 盏路灯", "answered_by": "s", "adopted": True,
                                                      "owner": "伍建国", "due_on": date(2025, 7, 31)}, JUNE_20)
    reviews.answer_opinion(roster, ditch.opinion_id, {"answer": "已列入冬修计划", "answered_by": "s"}, JUNE_20)
    [adopted, answered] = emitted(roster, "opinion.answered")
    assert (adopted["status"], adopted["owner"], adopted["due_on"], adopted["village_id"]) == (
        "adopted", "伍建国", "2025-07-31", "wuguidun")
    assert answered["status"] == "answered" and answered["owner"] is None
    assert [o.opinion_id for o in reviews.opinions(roster, status="adopted", village_id="wuguidun")] == [lamps.opinion_id]
    done = reviews.carry_out_opinion(roster, lamps.opinion_id, {"note": "6 盏路灯已亮", "done_by": "s"},
                                     datetime(2025, 8, 2, tzinfo=timezone.utc))
    assert done.status == "done"
    [carried] = emitted(roster, "opinion.carried_out")
    assert (carried["note"], carried["late"]) == ("6 盏路灯已亮", True)
    assert reviews.opinions(roster, status="adopted") == []
    with pytest.raises(IllegalTransition):
        reviews.carry_out_opinion(roster, lamps.opinion_id, {"note": "again", "done_by": "s"}, JUNE_20)
