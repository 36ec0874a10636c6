"""The revision that moved money to integer fen keeps every stored amount, on both databases."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from services.contributions import models
from services.kernel import migrations
from services.kernel.db import make_engine, session_factory

AMOUNTS = ["999999999999.99", "0.10", "1234.57"]


def _upgrade_keeps_the_amounts(url):
    migrations.upgrade("contributions", url, "0002_co_building")
    engine = make_engine(url)
    with engine.begin() as conn:  # rows as the NUMERIC(14, 2) schema stored them
        conn.execute(text("INSERT INTO town (id, name) VALUES ('t1', 't')"))
        conn.execute(text("INSERT INTO village (id, name, town_id) VALUES ('v1', 'v', 't1')"))
        for i, amount in enumerate(AMOUNTS):
            # a literal, as the old NUMERIC column received it (SQLite keeps it as a float)
            conn.execute(text(
                "INSERT INTO project (id, name, scope, village_id, budget, plan_grant, plan_sponsor,"
                f" plan_crowd, status, registered_at) VALUES ('p{i}', 'p', 'village', 'v1', {amount},"
                f" {amount}, 0, 0, 'approved', '2026-05-01T00:00:00+00:00')"))
        conn.execute(text("INSERT INTO participation (hamlet_id, period, participating, households,"
                          " updated_at) VALUES ('h1', '2026-Q2', 1, 4, '2026-05-01T00:00:00+00:00')"))
    migrations.upgrade("contributions", url)
    with session_factory(engine)() as session:
        budgets = {p.id: p.budget for p in session.query(models.Project)}
        assert budgets == {f"p{i}": Decimal(a) for i, a in enumerate(AMOUNTS)}
        assert [str(budgets[f"p{i}"]) for i in range(len(AMOUNTS))] == AMOUNTS
        assert [p.period for p in session.query(models.Participation)] == ["2026Q2"]
    with engine.connect() as conn:  # integer fen underneath
        assert conn.execute(text("SELECT budget FROM project WHERE id = 'p0'")).scalar_one() == 99999999999999
    migrations.upgrade("contributions", url)  # at head: nothing to do, nothing changes
    engine.dispose()


def test_existing_amounts_survive_the_move_to_fen_on_sqlite(tmp_path):
    _upgrade_keeps_the_amounts(f"sqlite:///{tmp_path / 'contributions.sqlite'}")


def test_existing_amounts_survive_the_move_to_fen_on_postgresql(postgres_url):
    _upgrade_keeps_the_amounts(postgres_url)
