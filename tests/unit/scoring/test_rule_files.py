"""Against the policy staff's real rule files (services.rules.engine.PolicyBook): the deed codes
scoring asks for exist or fall back as documented, and titles/awards follow the files."""
from datetime import date
from decimal import Decimal

import pytest

from services.rules.engine import PolicyBook, rules_dir
from services.scoring import inspections, ledger, ratings, reviews, sources, supermarket

from .conftest import NOW


@pytest.fixture(scope="module")
def book():
    return PolicyBook(rules_dir())


def test_labour_falls_back_to_points_per_occasion(roster, book):
    entry = sources.contribution_recorded(roster, book, {
        "entry_id": "c-1", "kind": "labour", "household_id": "h1", "resident_id": None, "hamlet_id": "g3",
        "project_id": None, "hours": Decimal("4.00"), "reversal_of": None}, NOW)
    per_occasion = book.decide("civility_points", {"deed_code": "voluntary_labour"})["values"]["points"]
    if book.decide("civility_points", {"deed_code": "labour_hour"})["outcome"] == "unknown":
        assert (entry.deed_code, entry.points) == ("voluntary_labour", per_occasion)
    else:
        assert entry.deed_code == "labour_hour"
    assert entry.rule_policy == "civility_points" and entry.rule_version >= 1


def test_an_excellent_yard_earns_the_clean_yard_points_and_other_grades_may_earn_none(roster, book):
    excellent = inspections.record(roster, book, {"household_id": "h1", "inspector_household_id": "h-hub",
                                                  "score": 96, "grade": "excellent", "inspected_on": date(2025, 5, 16)}, NOW)
    assert ledger.get(roster, excellent.entry_id).points > 0
    good = inspections.record(roster, book, {"household_id": "h2", "inspector_household_id": "h-hub",
                                             "score": 80, "grade": "good", "inspected_on": date(2025, 5, 16)}, NOW)
    if good.entry_id is None:  # the catalogue prices only excellent yards
        assert book.decide("civility_points", {"deed_code": "cleaning_day_good"})["outcome"] == "unknown"


def test_titles_follow_the_titles_file(roster, book):
    ten_star = book.params("titles")["params"]["titles"]["ten_star_household"]
    entry = ledger.record(roster, book, household_id="h1", deed_code="filial_piety", source="manual",
                          reason="孝老爱亲", now=NOW)
    entry.points = ten_star["min_honour_points"]  # exactly the threshold
    ledger.approve(roster, [entry.entry_id], "cadre", NOW)
    ratings.rate(roster, book, {"household_id": "h1", "quarter": "2025Q2", "stars": ten_star["min_stars"],
                                "nominations": [], "rated_by": "board"}, NOW)
    ratings.rate(roster, book, {"household_id": "h2", "quarter": "2025Q2", "stars": ten_star["min_stars"] - 1,
                                "nominations": [], "rated_by": "board"}, NOW)
    titles = ratings.close_quarter(roster, book, "2025Q2", "town", NOW)
    assert [(t.household_id, t.code) for t in titles] == [("h1", "ten_star_household")]


def test_love_supermarket_minimum_from_the_file(roster, book):
    minimum = book.params("civility_points")["params"]["love_supermarket"]["min_balance_to_redeem"]
    soap = supermarket.add_goods(roster, {"village_id": "wuguidun", "name": "soap", "price_points": 1,
                                          "stock": 5}, NOW)
    from services.kernel.errors import PolicyRefused
    with pytest.raises(PolicyRefused):
        supermarket.request_redemption(roster, book, {"household_id": "h1", "goods_id": soap.goods_id,
                                                      "quantity": 1}, NOW)
    entry = ledger.record(roster, book, household_id="h1", deed_code="filial_piety", source="manual",
                          reason="孝老爱亲", now=NOW)
    entry.points = minimum
    ledger.approve(roster, [entry.entry_id], "cadre", NOW)
    supermarket.request_redemption(roster, book, {"household_id": "h1", "goods_id": soap.goods_id,
                                                  "quantity": 1}, NOW)


def test_beautiful_hamlet_with_the_published_criteria(roster, book):
    criteria = book.params("beautiful_hamlet")["params"]["criteria"]
    application = reviews.apply_hamlet(roster, {"hamlet_id": "g3", "village_id": "wuguidun", "town_id": "t1"}, NOW)
    reviews.record_scores(roster, book, application.application_id,
                          {"scores": {c: 95 for c in criteria}, "assessed_by": "task-force"})
    reviews.record_survey(roster, application.application_id, {"respondents": 40, "satisfied": 38})
    decided = reviews.decide_hamlet(roster, book, application.application_id, "task-force", NOW)
    assert decided.status == "awarded" and decided.rule_id.startswith("beautiful_hamlet.")
