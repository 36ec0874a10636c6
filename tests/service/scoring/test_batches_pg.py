"""Rating sheets and the rankings' tallies on PostgreSQL, through the real migrations."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from services.kernel import batches, migrations
from services.kernel.db import make_engine, session_factory
from services.kernel.errors import ValidationFailed
from services.scoring import households, ledger, rankings, ratings, schemas
from services.scoring.models import PeriodPoints, PointsEntry, Rating
from tests.support.scoring_policy import FakePolicy

NOW = datetime(2025, 5, 16, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def sessions(postgres_url):
    migrations.upgrade("scoring", postgres_url)
    engine = make_engine(postgres_url)
    yield session_factory(engine)
    engine.dispose()


def test_a_sheet_then_approvals_then_the_ranking(sessions):
    policy = FakePolicy()
    with sessions() as session:
        for n in range(60):
            households.apply_registered(session, {
                "household_id": f"h{n:02}", "hamlet_id": "g3" if n < 50 else "g4", "village_id": "wuguidun",
                "town_id": "t", "head_name": f"户{n}", "party_member": False, "hub_household_id": None}, NOW)
        session.commit()
        rows = batches.load_rows(schemas.SheetRowIn(), [{"household_id": f"h{n:02}", "stars": n % 11}
                                                        for n in range(50)], "ratings")
        sheet = ratings.rate_sheet(session, policy, {"hamlet_id": "g3", "quarter": "2025Q2", "rated_by": "board",
                                                     "ratings": rows}, NOW)
        session.commit()
        with pytest.raises(ValidationFailed):  # the same sheet again: every row already rated
            ratings.rate_sheet(session, policy, {"hamlet_id": "g3", "quarter": "2025Q2", "rated_by": "board",
                                                 "ratings": rows}, NOW)
        session.rollback()
        assert session.scalar(select(func.count()).select_from(Rating)) == 50
        ids = [r["entry_id"] for r in sheet["ratings"] if r["entry_id"]]
        ledger.approve(session, ids, "cadre", NOW)
        session.commit()
        top = rankings.board(session, "household", "2025H1", limit=3)["rows"]
        assert [(r["household_id"], r["points"], r["rank"]) for r in top] == [
            ("h10", 30, 1), ("h21", 30, 1), ("h32", 30, 1)]
        assert session.scalar(select(func.sum(PeriodPoints.points)).where(PeriodPoints.period == "2025")) == \
            session.scalar(select(func.sum(PointsEntry.points)).where(PointsEntry.status == "approved"))
