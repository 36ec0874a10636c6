"""The revision that made periods per village and reviews 半年评议 keeps what was stored: a quarter
closed county-wide stays closed in each village that had a household rated in it (and in no other),
and a review that stored its motion as ``project_id`` keeps it as ``motion_id``."""
from __future__ import annotations

from sqlalchemy import text

from services.kernel import migrations
from services.kernel.db import make_engine


def _upgrade_keeps_closures_and_reviews(url):
    migrations.upgrade("scoring", url, "0003_money_in_fen")
    engine = make_engine(url)
    with engine.begin() as conn:
        for household, village in (("h1", "v-wgd"), ("h2", "v-wgd"), ("x1", "v-far"), ("y1", "v-quiet")):
            conn.execute(text("INSERT INTO scoring_households (household_id, hamlet_id, village_id, head_name,"
                              " party_member, updated_at) VALUES (:h, 'g', :v, 'n', false, '2026-11-01T00:00:00+00:00')"),
                         {"h": household, "v": village})
        for rating, household in (("r1", "h1"), ("r2", "h2"), ("r3", "x1")):
            conn.execute(text("INSERT INTO scoring_ratings (rating_id, household_id, quarter, stars, nominations,"
                              " rated_by, created_at) VALUES (:r, :h, '2026Q4', 5, '[]', 'c', '2026-11-01T00:00:00+00:00')"),
                         {"r": rating, "h": household})
        conn.execute(text("INSERT INTO scoring_period_closures (kind, period, closed_by, closed_at)"
                          " VALUES ('titles', '2026Q4', 'cadre', '2026-12-31T00:00:00+00:00')"))
        conn.execute(text("INSERT INTO scoring_reviews (review_id, project_id, title, kind, village_id, half_year,"
                          " reviewers, due, status, rule_id, rule_version, opened_by, created_at) VALUES"
                          " ('rv1', 'mot-1', 't', 'major', 'v-wgd', '2026H1', '[]', 'due', 'open', 'reviews.due', 2,"
                          " 'rules', '2026-07-01T00:00:00+00:00')"))
    migrations.upgrade("scoring", url)
    with engine.connect() as conn:
        closed = conn.execute(text("SELECT village_id, period FROM scoring_period_closures ORDER BY village_id")).all()
        assert [tuple(row) for row in closed] == [("v-far", "2026Q4"), ("v-wgd", "2026Q4")]
        review = conn.execute(text("SELECT subject, project_id, motion_id FROM scoring_reviews")).one()
        assert tuple(review) == ("project", "mot-1", "mot-1")
    migrations.upgrade("scoring", url)  # at head: nothing to do
    engine.dispose()


def test_closures_become_per_village_on_sqlite(tmp_path):
    _upgrade_keeps_closures_and_reviews(f"sqlite:///{tmp_path / 'scoring.sqlite'}")


def test_closures_become_per_village_on_postgresql(postgres_url):
    _upgrade_keeps_closures_and_reviews(postgres_url)
