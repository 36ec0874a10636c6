"""Quarterly ratings become points; titles at period end, at their exact thresholds."""
import pytest

from services.kernel.errors import Conflict
from services.scoring import ledger, ratings

from .conftest import NOW
from .helpers import emitted


def rate(session, policy, household, stars, quarter="2025Q2", nominations=()):
    return ratings.rate(session, policy, {"household_id": household, "quarter": quarter, "stars": stars,
                                          "nominations": list(nominations), "rated_by": "board"}, NOW)


def honour_to(session, policy, household, target):
    """Approve entries until the household's honour is exactly ``target``."""
    current = ledger.balances(session, household)["honour"]
    if target > current:
        entry = ledger.record(session, policy, household_id=household, deed_code="labour_hour",
                              source="labour", reason="x", units=1, now=NOW)
        entry.points = target - current  # a precise amount for a boundary test
        ledger.approve(session, [entry.entry_id], "cadre", NOW)
    assert ledger.balances(session, household)["honour"] == target


def test_a_rating_turns_into_points(roster, policy):
    rating = rate(roster, policy, "h1", 8)
    entry = ledger.get(roster, rating.entry_id)
    assert (entry.source, entry.points, entry.quarter) == ("rating", 24, "2025Q2")  # 3 per star
    with pytest.raises(Conflict):
        rate(roster, policy, "h1", 9)


@pytest.mark.parametrize("honour_extra, stars, earned", [
    (0, 9, True),    # exactly 30 honour and 9 stars
    (-1, 9, False),  # one point short
    (0, 8, False),   # one star short
    (5, 10, True),
])
def test_ten_star_household_at_its_exact_threshold(roster, policy, honour_extra, stars, earned):
    rating = rate(roster, policy, "h1", stars)
    rating_points = ledger.get(roster, rating.entry_id).points
    ledger.approve(roster, [rating.entry_id], "cadre", NOW)
    honour_to(roster, policy, "h1", max(30 + honour_extra, rating_points))
    if rating_points > 30 + honour_extra:  # the rating alone is above the target: revoke and top up
        ledger.revoke(roster, rating.entry_id, "cadre", "boundary test", NOW)
        honour_to(roster, policy, "h1", 30 + honour_extra)
    titles = ratings.close_quarter(roster, policy, "wuguidun", "2025Q2", "town", NOW)["titles"]
    assert [t.code for t in titles] == (["ten_star_household"] if earned else [])


def test_personal_titles_go_to_the_nominated_resident(roster, policy):
    rating = rate(roster, policy, "h1", 7, nominations=[{"title": "good_mother_in_law", "resident_id": "r-grandma"}])
    ledger.approve(roster, [rating.entry_id], "cadre", NOW)  # 21 honour >= 20
    rate(roster, policy, "h2", 10, nominations=[{"title": "good_daughter_in_law", "resident_id": "r-dil"}])
    # h2's rating is still pending: 0 honour, so no title however many stars
    titles = ratings.close_quarter(roster, policy, "wuguidun", "2025Q2", "town", NOW)["titles"]
    assert [(t.household_id, t.code, t.resident_id) for t in titles] == [("h1", "good_mother_in_law", "r-grandma")]
    [event] = emitted(roster, "title.awarded")
    assert event["rule"] == {"id": "titles.thresholds", "version": 7, "policy": "titles"}


def test_a_quarter_closes_once_and_then_takes_no_ratings(roster, policy):
    ratings.close_quarter(roster, policy, "wuguidun", "2025Q2", "town", NOW)
    with pytest.raises(Conflict):
        ratings.close_quarter(roster, policy, "wuguidun", "2025Q2", "town", NOW)
    with pytest.raises(Conflict):
        rate(roster, policy, "h1", 5)


def test_periods_are_per_village(roster, policy):
    """Closing 2025Q2 in one village closes nothing elsewhere, and awards only its households."""
    mine = rate(roster, policy, "h1", 10)
    ledger.approve(roster, [mine.entry_id], "cadre", NOW)
    honour_to(roster, policy, "h1", 30)
    assert [t.household_id for t in ratings.close_quarter(roster, policy, "wuguidun", "2025Q2", "town", NOW)["titles"]] == ["h1"]
    with pytest.raises(Conflict) as closed:
        rate(roster, policy, "h2", 5)
    assert closed.value.detail["village_id"] == "wuguidun"
    theirs = rate(roster, policy, "x1", 10)  # the other village still rates 2025Q2
    ledger.approve(roster, [theirs.entry_id], "cadre", NOW)
    honour_to(roster, policy, "x1", 30)
    assert [t.household_id for t in ratings.close_quarter(roster, policy, "other", "2025Q2", "town", NOW)["titles"]] == ["x1"]


def test_honour_as_of_the_quarter_ignores_later_quarters(roster, policy):
    rating = rate(roster, policy, "h1", 10)  # 30 points in Q2
    ledger.approve(roster, [rating.entry_id], "cadre", NOW)
    later = ledger.record(roster, policy, household_id="h1", deed_code="labour_hour", source="labour",
                          reason="x", units=10, quarter="2025Q3", now=NOW)
    ledger.approve(roster, [later.entry_id], "cadre", NOW)
    ledger.revoke(roster, rating.entry_id, "cadre", "rating annulled", NOW)
    rate(roster, policy, "h1", 9, quarter="2025Q3")  # needed: only rated households are considered
    assert ratings.close_quarter(roster, policy, "wuguidun", "2025Q2", "town", NOW)["titles"] == []


def test_a_rating_without_a_priced_deed_is_recorded_without_points(roster):
    from tests.support.scoring_policy import DEEDS, FakePolicy
    policy = FakePolicy(deeds={k: v for k, v in DEEDS.items() if k != "quarterly_rating"})
    rating = rate(roster, policy, "h1", 8)
    assert rating.entry_id is None and ledger.list_entries(roster, household_id="h1") == []
    assert emitted(roster, "civility.rated")[0]["points"] == 0
