"""党员评议, 大家评 reviews and opinions, 最美垸落, and the rankings of the public board."""
import pytest

from services.kernel.errors import Conflict, IllegalTransition, ValidationFailed
from services.scoring import assessments, ledger, rankings, reviews

from .conftest import NOW
from .helpers import emitted


def assess(session, policy, **kw):
    data = {"resident_id": "r-hub", "household_id": "h-hub", "name": "张 党员", "category": "in_office",
            "half_year": "2025H1", "positives": ["leads_labour", "mediates"], "negatives": [], "assessed_by": "branch"}
    return assessments.assess(session, policy, {**data, **kw}, NOW)


def test_party_member_assessed_once_per_half_year(roster, policy):
    result = assess(roster, policy)
    assert (result.outcome, result.score, result.base) == ("excellent", 90, 80)
    assert emitted(roster, "party_member.assessed")[0]["rule"]["id"] == "party_assessment.in_office"
    with pytest.raises(Conflict):
        assess(roster, policy)
    assert assess(roster, policy, half_year="2025H2", positives=[], negatives=["absent"] * 3).outcome == "unqualified"
    assert [h.household_id for h in assessments.unassessed_households(roster, "2025H1")] == ["h-hub4"]
    with pytest.raises(ValidationFailed):  # not a party-member household on the roster
        assess(roster, policy, resident_id="r1", household_id="h1")


def apply(session, policy, hamlet="g3"):
    return reviews.apply_hamlet(session, {"hamlet_id": hamlet, "village_id": "wuguidun", "town_id": "t1",
                                          "statement": "幸福新垸"}, NOW)


def test_beautiful_hamlet_awarded_by_weights_and_threshold(roster, policy):
    application = apply(roster, policy)
    with pytest.raises(IllegalTransition) as info:
        reviews.decide_hamlet(roster, policy, application.application_id, "task-force", NOW)
    assert info.value.detail["missing"] == ["scores", "survey"]
    with pytest.raises(ValidationFailed) as info:
        reviews.record_scores(roster, policy, application.application_id, {
            "scores": {"environment": 95, "facilities": 90, "beauty": 85}, "assessed_by": "task-force"})
    assert set(info.value.detail["fields"]) == {"scores.beauty", "scores.management"}
    reviews.record_scores(roster, policy, application.application_id, {
        "scores": {"environment": 95, "facilities": 90, "management": 85}, "assessed_by": "task-force"})
    reviews.record_survey(roster, application.application_id, {"respondents": 50, "satisfied": 47})
    decided = reviews.decide_hamlet(roster, policy, application.application_id, "task-force", NOW)
    # 0.7 * (0.5*95 + 0.2*90 + 0.3*85) + 30 * 0.94 = 63.7 + 28.2 = 91.9
    assert (decided.status, str(decided.total), str(decided.threshold)) == ("awarded", "91.90", "85.00")
    [event] = emitted(roster, "beautiful_hamlet.decided")
    assert event["satisfaction"] == "0.9400" and event["outcome"] == "awarded"
    with pytest.raises(Conflict):
        apply(roster, policy)


def test_beautiful_hamlet_just_below_threshold_is_not_awarded(roster, policy):
    application = apply(roster, policy, hamlet="g4")
    reviews.record_scores(roster, policy, application.application_id, {
        "scores": {"environment": 80, "facilities": 80, "management": 80}, "assessed_by": "tf"})
    with pytest.raises(ValidationFailed):
        reviews.record_survey(roster, application.application_id, {"respondents": 10, "satisfied": 11})
    reviews.record_survey(roster, application.application_id, {"respondents": 100, "satisfied": 96})
    # 0.7 * 80 + 30 * 0.96 = 56 + 28.8 = 84.8 < 85
    assert reviews.decide_hamlet(roster, policy, application.application_id, "tf", NOW).status == "not_awarded"


def test_rankings_for_households_hamlets_and_villages(roster, policy):
    def earn(household, hours, quarter="2025Q2"):
        entry = ledger.record(roster, policy, household_id=household, deed_code="labour_hour", source="labour",
                              reason="x", units=hours, quarter=quarter, now=NOW)
        ledger.approve(roster, [entry.entry_id], "cadre", NOW)
    earn("h1", 5)
    earn("h2", 5)
    earn("h3", 4)
    earn("x1", 1)
    earn("h3", 10, quarter="2025Q1")
    pending = ledger.record(roster, policy, household_id="h-hub", deed_code="labour_hour", source="labour",
                            reason="x", units=20, now=NOW)
    assert pending.status == "pending"  # pending points are not on the board

    board = rankings.board(roster, "household", "2025Q2", village_id="wuguidun")
    assert [(r["household_id"], r["points"], r["rank"]) for r in board["rows"]] == [
        ("h1", 10, 1), ("h2", 10, 1), ("h3", 8, 3), ("h-hub", 0, 4), ("h-hub4", 0, 4)]
    hamlets = rankings.board(roster, "hamlet", "2025Q2")["rows"]
    assert [(r["hamlet_id"], r["points_per_household"]) for r in hamlets] == [
        ("g3", 6.67), ("g4", 4.0), ("x-g1", 2.0)]
    half = rankings.board(roster, "village", "2025H1")["rows"]
    assert [(r["village_id"], r["points"], r["rank"]) for r in half] == [("wuguidun", 48, 1), ("other", 2, 2)]
    with pytest.raises(ValidationFailed):
        rankings.board(roster, "household", "2025-W20")
