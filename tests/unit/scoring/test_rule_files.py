"""Against the policy staff's real rule files (services.rules.engine.PolicyBook): the deed codes
scoring asks for are priced, and titles/awards follow the files."""
from datetime import date
from decimal import Decimal

import pytest

from services.rules.engine import PolicyBook, rules_dir
from services.scoring import inspections, ledger, point_sources, ratings, reviews, sources, supermarket

from .conftest import NOW, register


@pytest.fixture(scope="module")
def book():
    return PolicyBook(rules_dir())


def _per_unit(book, deed_code):
    decision = book.decide("civility_points", {"deed_code": deed_code})
    assert decision["outcome"] in ("award", "deduct"), f"{deed_code} is not priced: {decision['reason']}"
    return decision["values"]["points"]


def test_labour_is_priced_per_hour(roster, book):
    entry = sources.contribution_recorded(roster, book, {
        "entry_id": "c-1", "kind": "labour", "household_id": "h1", "resident_id": None, "hamlet_id": "g3",
        "project_id": None, "hours": Decimal("4.00"), "reversal_of": None}, NOW)
    assert entry.deed_code == "labour_hour"
    assert entry.points == int(_per_unit(book, "labour_hour") * 4)
    assert entry.rule_policy == "civility_points" and entry.rule_version >= 2


def test_every_inspection_grade_is_priced_by_the_catalogue(roster, book):
    grades = point_sources.read(book)["inspection"]
    assert list(grades) == ["excellent", "good", "fair", "poor"]
    for i, grade in enumerate(grades):
        household = f"h-grade-{grade}"
        register(roster, household, hub="h-hub")
        inspection = inspections.record(roster, book, {
            "household_id": household, "inspector_household_id": "h-hub", "score": 95 - 15 * i,
            "grade": grade, "inspected_on": date(2025, 5, 16)}, NOW)
        entry = ledger.get(roster, inspection.entry_id)
        assert (entry.deed_code, entry.points) == (grades[grade]["deed"], _per_unit(book, grades[grade]["deed"]))
    assert _per_unit(book, "cleaning_day_excellent") > _per_unit(book, "cleaning_day_good") \
        > _per_unit(book, "cleaning_day_fair") > 0 > _per_unit(book, "cleaning_day_poor")


def test_a_quarterly_rating_earns_points_per_star(roster, book):
    rating = ratings.rate(roster, book, {"household_id": "h1", "quarter": "2025Q2", "stars": 7,
                                         "nominations": [], "rated_by": "道德评议会"}, NOW)
    entry = ledger.get(roster, rating.entry_id)
    assert (entry.deed_code, entry.points) == ("quarterly_rating", 7 * _per_unit(book, "quarterly_rating"))


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
    titles = ratings.close_quarter(roster, book, "wuguidun", "2025Q2", "town", NOW)["titles"]
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
