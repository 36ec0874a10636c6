"""rankings: approved points per household and period, kept by the ledger (filled from the entries)

Revision ID: 0004_period_points
Revises: 0003_money_in_fen
"""
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0004_period_points"
down_revision = "0003_money_in_fen"
branch_labels = None
depends_on = None


def _periods(quarter: str) -> tuple[str, str, str]:
    year, q = quarter[:4], int(quarter[-1])
    return quarter, f"{year}H{1 if q <= 2 else 2}", year


def upgrade() -> None:
    table = op.create_table(
        "scoring_period_points",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("hamlet_id", sa.String(length=64), nullable=True),
        sa.Column("village_id", sa.String(length=64), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "household_id"),
    )
    op.create_index("ix_scoring_period_points_household_id", "scoring_period_points", ["household_id"])
    op.create_index("ix_scoring_period_points_rank", "scoring_period_points", ["period", "points"])
    op.create_index("ix_scoring_period_points_village", "scoring_period_points", ["period", "village_id", "points"])
    op.create_index("ix_scoring_period_points_hamlet", "scoring_period_points", ["period", "hamlet_id", "points"])
    bind = op.get_bind()
    sums = defaultdict(int)
    for household_id, quarter, points in bind.execute(sa.text(
            "SELECT household_id, quarter, SUM(points) FROM scoring_entries "
            "WHERE status = 'approved' AND source != 'redemption' GROUP BY household_id, quarter")):
        for period in _periods(quarter):
            sums[(period, household_id)] += int(points or 0)
    places = {h: (g, v) for h, g, v in bind.execute(sa.text(
        "SELECT household_id, hamlet_id, village_id FROM scoring_households"))}
    rows = [{"period": period, "household_id": household_id, "points": points,
             "hamlet_id": places.get(household_id, (None, None))[0],
             "village_id": places.get(household_id, (None, None))[1]}
            for (period, household_id), points in sums.items()]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("scoring_period_points")
