"""The scoring service in its container: bus sources, RPC errors as the gateway maps them, flows."""
from decimal import Decimal

import pytest

from services.kernel.errors import Conflict, IllegalTransition, NotFound, PolicyRefused, ValidationFailed
from tests.support import wait

from tests.support.bus import publish


def test_points_from_the_bus_then_approved_and_spent(roster, service_config, sink):
    uri = service_config["AMQP_URI"]
    publish(uri, "points.decided", {
        "household_id": "h-huang", "resident_id": "r-huang", "hamlet_id": "g3", "deed_code": "helped_neighbour",
        "points": 4, "reason": "好人好事: helped clear the roadside", "cause_event_id": "deed-1",
        "rule": {"id": "civility_points.helped_neighbour", "version": 3, "policy": "civility_points"}})
    publish(uri, "contribution.recorded", {
        "entry_id": "c-1", "kind": "labour", "household_id": "h-huang", "resident_id": "r-huang",
        "hamlet_id": "g3", "project_id": "p-road", "hours": "6.00", "amount": None, "items": None,
        "reversal_of": None})
    publish(uri, "contribution.recorded", {  # money earns no points
        "entry_id": "c-2", "kind": "money", "household_id": "h-huang", "resident_id": None,
        "hamlet_id": "g3", "project_id": "p-road", "hours": None, "amount": "500.00", "items": None,
        "reversal_of": None})
    entries = wait.until(lambda: len(e := roster.list_entries(query={"household_id": "h-huang"})) == 2 and e,
                         message="two entries")
    by_source = {e["source"]: e for e in entries}
    assert by_source["good_deed"]["rule"] == {"id": "civility_points.helped_neighbour", "version": 3,
                                              "policy": "civility_points"}
    assert by_source["labour"]["points"] == 12 and by_source["labour"]["status"] == "pending"

    approved = roster.approve_points(payload={"entry_ids": [e["entry_id"] for e in entries], "cadre_id": "cadre-wu"})
    assert {e["decided_by"] for e in approved} == {"cadre-wu"}
    balance = roster.get_balance("h-huang")
    assert {k: balance[k] for k in ("household_id", "spendable", "honour")} == \
        {"household_id": "h-huang", "spendable": 16, "honour": 16}

    goods = roster.add_goods(payload={"village_id": "wuguidun", "name": "洗衣粉", "price_points": 10, "stock": 3})
    redemption = roster.request_redemption(payload={"household_id": "h-huang", "goods_id": goods["goods_id"]})
    assert redemption["status"] == "pending"
    with pytest.raises(Conflict) as caught:  # 6 left, 10 needed
        roster.request_redemption(payload={"household_id": "h-huang", "goods_id": goods["goods_id"]})
    assert int(caught.value.detail["spendable"]) == 6  # RPC carries detail values as text
    assert roster.get_goods(goods["goods_id"])["stock"] == 2  # nothing half-written by the refusal
    done = roster.complete_redemption(redemption["redemption_id"], payload={"handled_by": "cadre-wu"})
    assert done["status"] == "done"
    with pytest.raises(IllegalTransition) as caught:
        roster.cancel_redemption(redemption["redemption_id"], payload={"by": "x", "reason": "late"})
    assert caught.value.detail["current"] == "done"

    recorded = sink.wait_for("points.recorded", 5)
    assert recorded[-1]["spendable_balance"] == 6 and recorded[-1]["honour_balance"] == 16
    assert [e["status"] for e in sink.wait_for("redemption.recorded", 2)] == ["pending", "done"]


def test_errors_carry_their_fields(roster):
    with pytest.raises(ValidationFailed) as caught:
        roster.record_donation(payload={"village_id": "wuguidun", "kind": "money", "donor_name": "",
                                        "recorded_by": "c"})
    assert set(caught.value.detail["fields"]) == {"donor_name", "amount"}
    with pytest.raises(ValidationFailed) as caught:
        roster.record_inspection(payload={"household_id": "h-huang", "inspector_household_id": "h2",
                                          "score": 101, "grade": "shiny"})
    assert set(caught.value.detail["fields"]) == {"score"}
    with pytest.raises(ValidationFailed) as caught:  # the grades are the rule file's, checked next
        roster.record_inspection(payload={"household_id": "h-huang", "inspector_household_id": "h-hub",
                                          "score": 90, "grade": "shiny"})
    assert set(caught.value.detail["fields"]) == {"grade"} and "excellent" in caught.value.detail["fields"]["grade"][0]
    with pytest.raises(NotFound):
        roster.get_entry("missing")
    with pytest.raises(NotFound):
        roster.revoke_points("missing", payload={"by": "c", "reason": "r"})
    with pytest.raises(ValidationFailed) as caught:
        roster.rankings(query={"level": "household", "period": "someday"})
    assert "period" in caught.value.detail["fields"]


def test_cleaning_day_ratings_titles_and_the_board(roster, sink):
    with pytest.raises(ValidationFailed) as caught:  # h3's hub is h-hub; h2 is not linked to it
        roster.record_inspection(payload={"household_id": "h3", "inspector_household_id": "h2",
                                          "score": 90, "grade": "excellent"})
    assert "inspector_household_id" in caught.value.detail["fields"]
    inspection = roster.record_inspection(payload={
        "household_id": "h-huang", "inspector_household_id": "h-hub", "score": 96, "grade": "excellent",
        "remarks": "你这个院子真是收得干净"})
    roster.record_inspection(payload={"household_id": "h3", "inspector_household_id": "h-hub",
                                      "score": 70, "grade": "good"})
    assert inspection["week"] == "2025-W20"
    hygiene = roster.rankings(query={"level": "hygiene", "period": "2025-W20"})
    assert [(r["hamlet_id"], r["rank"]) for r in hygiene["rows"]] == [("g3", 1), ("g4", 2)]

    rating = roster.rate_household(payload={"household_id": "h-huang", "quarter": "2025Q2", "stars": 10,
                                            "rated_by": "moral-review-board",
                                            "nominations": [{"title": "good_mother_in_law", "resident_id": "r-mum"}]})
    pending = roster.list_entries(query={"household_id": "h-huang", "status": "pending"})
    roster.approve_points(payload={"entry_ids": [e["entry_id"] for e in pending], "cadre_id": "cadre"})
    assert roster.get_balance("h-huang")["honour"] == 33  # 3 (excellent yard) + 30 (10 stars)
    closed = roster.close_quarter(payload={"village_id": "wuguidun", "quarter": "2025Q2", "closed_by": "town"})
    assert sorted(t["code"] for t in closed["titles"]) == ["good_mother_in_law", "ten_star_household"]
    with pytest.raises(Conflict):
        roster.close_quarter(payload={"village_id": "wuguidun", "quarter": "2025Q2", "closed_by": "town"})
    # at-least-once delivery: a republished event has the same id, so count distinct titles
    assert {t["code"] for t in sink.wait_for("title.awarded", 2)} == {"ten_star_household", "good_mother_in_law"}
    assert rating["stars"] == 10

    board = roster.rankings(query={"level": "household", "period": "2025Q2", "village_id": "wuguidun"})
    assert board["rows"][0] == {"household_id": "h-huang", "head_name": "黄远福", "hamlet_id": "g3",
                                "village_id": "wuguidun", "points": 33, "rank": 1}


def test_reviews_and_most_beautiful_hamlet(roster, sink, service_config):
    """半年评议 over the bus and RPC: the project is known from project.registered, each body's
    verdict comes from a meeting the proposals service says met its quorum, the rule gives the
    satisfaction result, and the review names the motion to complete."""
    from tests.service.scoring.conftest import MEETINGS
    from tests.unit.scoring.helpers import Meetings
    publish(service_config["AMQP_URI"], "project.registered", {
        "project_id": "p-bisheng", "name": "毕昇老街", "scope": "village", "village_id": "wuguidun",
        "hamlet_id": None, "budget": "350000.00", "mix": {}, "motion_id": "mot-bisheng"})
    meetings = Meetings()
    meetings.add("m-party", "party_members", members=12, present=10)
    meetings.add("m-reps", "representatives", members=30, present=24)
    meetings.add("m-short", "representatives", members=30, present=12, quorum=False)
    MEETINGS.update(meetings.meetings)
    review = wait.until(lambda: _open_once_known(roster, {
        "project_id": "p-bisheng", "title": "毕昇老街", "kind": "major", "village_id": "wuguidun",
        "since": "2024-10-01", "opened_by": "secretary"}), message="project.registered to reach scoring")
    assert (review["half_year"], review["motion_id"]) == ("2024H2", "mot-bisheng")
    opinion = roster.add_opinion(review["review_id"], payload={"text": "石磨摆放要安全", "raised_by": "r1"})
    roster.record_verdict(review["review_id"], payload={"meeting_id": "m-party", "satisfied": 9,
                                                        "basically_satisfied": 1, "unsatisfied": 0, "recorded_by": "clerk"})
    with pytest.raises(PolicyRefused):
        roster.record_verdict(review["review_id"], payload={"meeting_id": "m-short", "satisfied": 10,
                                                            "basically_satisfied": 0, "unsatisfied": 0, "recorded_by": "c"})
    with pytest.raises(NotFound):
        roster.record_verdict(review["review_id"], payload={"meeting_id": "m-none", "satisfied": 1,
                                                            "basically_satisfied": 0, "unsatisfied": 0, "recorded_by": "c"})
    done = roster.record_verdict(review["review_id"], payload={
        "meeting_id": "m-reps", "satisfied": 20, "basically_satisfied": 2, "unsatisfied": 2, "recorded_by": "clerk"})
    assert (done["status"], done["result"], len(done["verdicts"])) == ("completed", "satisfied", 2)
    [completed] = sink.wait_for("review.completed", 1)
    assert (completed["motion_id"], completed["result"]) == ("mot-bisheng", "satisfied")
    assert [o["opinion_id"] for o in roster.list_opinions(query={"status": "open"})] == [opinion["opinion_id"]]
    with pytest.raises(ValidationFailed):  # adopted means an owner and a deadline
        roster.answer_opinion(opinion["opinion_id"], payload={"answer": "已加固", "answered_by": "s", "adopted": True})
    roster.answer_opinion(opinion["opinion_id"], payload={"answer": "加固石磨", "answered_by": "secretary",
                                                          "adopted": True, "owner": "伍建国", "due_on": "2025-06-30"})
    assert roster.list_opinions(query={"status": "open"}) == []
    done = roster.carry_out_opinion(opinion["opinion_id"], payload={"note": "已加固", "done_by": "secretary"})
    assert done["status"] == "done"
    assert sink.wait_for("opinion.carried_out", 1)[0]["late"] is False

    application = roster.apply_beautiful_hamlet(payload={"hamlet_id": "g3", "village_id": "wuguidun",
                                                         "town_id": "t1", "statement": "幸福新垸"})
    app_id = application["application_id"]
    with pytest.raises(IllegalTransition):
        roster.decide_beautiful_hamlet(app_id, payload={"decided_by": "task-force"})
    roster.record_hamlet_scores(app_id, payload={"scores": {"environment": 95, "facilities": 90, "management": 85},
                                                 "assessed_by": "task-force"})
    roster.record_hamlet_survey(app_id, payload={"respondents": 50, "satisfied": 47})
    decided = roster.decide_beautiful_hamlet(app_id, payload={"decided_by": "task-force"})
    assert (decided["status"], decided["total"]) == ("awarded", "91.90")
    [event] = sink.wait_for("beautiful_hamlet.decided")
    assert Decimal(event["satisfaction"]) == Decimal("0.94") and event["rule"]["version"] == 7


def test_a_rating_sheet_over_rpc_and_a_labour_batch_from_the_bus(roster, service_config, sink):
    sheet = roster.rate_sheet(payload={"hamlet_id": "g3", "quarter": "2025Q2", "rated_by": "board-wu", "ratings": [
        {"household_id": "h-hub", "stars": 9}, {"household_id": "h-huang", "stars": 7}]})
    assert [(r["household_id"], r["points"]) for r in sheet["ratings"]] == [("h-hub", 27), ("h-huang", 21)]
    [event] = sink.wait_for("civility.sheet_rated")
    assert event["sheet_id"] == sheet["sheet_id"] and event["village_id"] == "wuguidun"
    with pytest.raises(ValidationFailed) as caught:  # h3 is of g4: the whole sheet is refused
        roster.rate_sheet(payload={"hamlet_id": "g3", "quarter": "2025Q3", "rated_by": "board-wu", "ratings": [
            {"household_id": "h2", "stars": 9}, {"household_id": "h3", "stars": 7}]})
    assert list(caught.value.detail["fields"]) == ["ratings.1.household_id"]
    assert roster.list_entries(query={"household_id": "h2", "source": "rating"}) == []

    entry = {"kind": "labour", "resident_id": None, "hamlet_id": "g3", "project_id": "p-road", "amount": None,
             "items": None, "reversal_of": None}
    batch = {"batch_id": "cb-1", "recorded_by": "cadre-wu", "entries": [
        {**entry, "entry_id": "cb-e1", "household_id": "h2", "hours": "3.00"},
        {**entry, "entry_id": "cb-e2", "household_id": "h-huang", "hours": "2.00"},
        {**entry, "entry_id": "cb-e3", "kind": "money", "household_id": "h2", "hours": None, "amount": "50.00"}]}
    uri = service_config["AMQP_URI"]
    first = publish(uri, "contribution.batch_recorded", batch)
    publish(uri, "contribution.batch_recorded", batch, envelope=first)  # redelivered
    publish(uri, "contribution.batch_recorded", batch)                  # the same entries announced again
    publish(uri, "contribution.recorded", {**entry, "entry_id": "c-last", "household_id": "h3", "hours": "1.00",
                                           "hamlet_id": "g4"})
    labour = wait.until(lambda: len(e := roster.list_entries(query={"source": "labour"})) >= 3 and e,
                        message="the batch's labour points and the last entry's")
    wait.until(lambda: roster.list_entries(query={"source": "labour", "household_id": "h3"}), message="last entry")
    labour = roster.list_entries(query={"source": "labour"})
    assert sorted((e["household_id"], e["points"]) for e in labour) == [("h-huang", 4), ("h2", 6), ("h3", 2)]


def _open_once_known(scoring, payload):
    try:
        return scoring.open_review(payload=payload)
    except NotFound:  # project.registered not applied yet
        return None
