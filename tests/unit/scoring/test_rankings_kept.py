"""排行榜 kept by the ledger: a ranking reads the period's tallies, which always equal the sum
of the approved entries; with a limit it reads only the top rows."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from services.scoring import ledger, rankings
from services.scoring.models import PeriodPoints, PointsEntry

from .conftest import NOW, register


def earn(session, policy, household, units, quarter="2025Q2", approve=True):
    entry = ledger.record(session, policy, household_id=household, deed_code="labour_hour", source="labour",
                          reason="x", units=units, quarter=quarter, now=NOW)
    if approve:
        ledger.approve(session, [entry.entry_id], "cadre", NOW)
    return entry


def test_the_top_rows_then_those_without_points_then_those_below_zero(roster, policy):
    earn(roster, policy, "h2", 3)
    earn(roster, policy, "h1", 5)
    penalty = ledger.record(roster, policy, household_id="h3", deed_code="littering", source="penalty",
                            reason="乱扔垃圾", now=NOW)
    ledger.approve(roster, [penalty.entry_id], "cadre", NOW)
    full = rankings.board(roster, "household", "2025Q2")["rows"]
    assert [(r["household_id"], r["rank"]) for r in full] == [
        ("h1", 1), ("h2", 2), ("h-hub", 3), ("h-hub4", 3), ("x1", 3), ("h3", 6)]
    assert full[-1]["points"] < 0
    for limit in range(1, 7):
        top = rankings.board(roster, "household", "2025Q2", limit=limit)["rows"]
        assert top == full[:limit]
    assert [r["household_id"] for r in rankings.board(roster, "household", "2025Q2", hamlet_id="g4")["rows"]] == [
        "h-hub4", "h3"]


def test_a_revocation_takes_its_points_off_every_period_it_counted_in(roster, policy):
    entry = earn(roster, policy, "h1", 2, quarter="2025Q3")  # 2 points an hour
    assert {p.period: p.points for p in roster.scalars(select(PeriodPoints))} == {"2025Q3": 4, "2025H2": 4, "2025": 4}
    ledger.revoke(roster, entry.entry_id, "cadre", "记错了", NOW)
    assert {p.points for p in roster.scalars(select(PeriodPoints))} == {0}
    assert rankings.board(roster, "household", "2025", village_id="wuguidun")["rows"][0]["points"] == 0


def test_a_county_wide_ranking_without_a_limit_shows_its_top_rows(roster, policy):
    for n in range(rankings.COUNTY_LIMIT + 5):
        register(roster, f"hh{n:03}", hamlet_id="g9")
    rows = rankings.board(roster, "household", "2025Q2")["rows"]
    assert len(rows) == rankings.COUNTY_LIMIT


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["h1", "h2", "h3", "x1"]), st.integers(1, 6),
                          st.sampled_from(["2025Q1", "2025Q2", "2025Q4"]), st.sampled_from(["keep", "pending", "revoke"])),
                max_size=10))
def test_the_tallies_are_the_sum_of_the_approved_entries(roster, policy, moves):
    for household, units, quarter, fate in moves:
        entry = earn(roster, policy, household, units, quarter, approve=fate != "pending")
        if fate == "revoke" and entry.status == "approved":
            ledger.revoke(roster, entry.entry_id, "cadre", "x", NOW)
    for period in ("2025Q1", "2025Q2", "2025H1", "2025H2", "2025"):
        kept = {r["household_id"]: r["points"] for r in rankings.board(roster, "household", period, limit=50)["rows"]}
        from services.kernel import periods
        summed = dict(roster.execute(select(PointsEntry.household_id, func.sum(PointsEntry.points)).where(
            PointsEntry.status == "approved", PointsEntry.source != "redemption",
            PointsEntry.quarter.in_(periods.quarters_in(period))).group_by(PointsEntry.household_id)).all())
        assert {h: p for h, p in kept.items() if p} == {h: int(p) for h, p in summed.items() if p}
    roster.rollback()
