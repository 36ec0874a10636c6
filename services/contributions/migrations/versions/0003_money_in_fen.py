"""money as integer fen and quantities as integer hundredths (services.kernel.types), exact on
SQLite as on PostgreSQL; participation periods in the kernel's one key format (2026Q2, 2026H1)

Revision ID: 0003_money_in_fen
Revises: 0002_co_building
"""
import sqlalchemy as sa
from alembic import op

from services.kernel.migrations import from_hundredths, to_hundredths

revision = "0003_money_in_fen"
down_revision = "0002_co_building"
branch_labels = None
depends_on = None

MONEY, QUANTITY = sa.Numeric(14, 2), sa.Numeric(12, 2)
COLUMNS = {
    "funding_round": {"budget": MONEY, "remaining": MONEY},
    "parcel": {"area_m2": QUANTITY},
    "project": {"budget": MONEY, "plan_grant": MONEY, "plan_sponsor": MONEY, "plan_crowd": MONEY},
    "demolition": {"area_m2": QUANTITY},
    "funding_request": {"amount": MONEY, "granted": MONEY},
    "ledger_entry": {"amount": MONEY, "quantity": QUANTITY, "hours": QUANTITY,
                     "land_area_m2": QUANTITY, "valuation": MONEY},
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        to_hundredths(table, columns)
    # 2026-Q2 / 2026-H1 (the old fixed-offset keys) become 2026Q2 / 2026H1
    op.execute("UPDATE participation SET period = REPLACE(REPLACE(period, '-Q', 'Q'), '-H', 'H')")


def downgrade() -> None:
    op.execute("UPDATE participation SET period = REPLACE(REPLACE(period, 'Q', '-Q'), 'H', '-H')")
    for table, columns in COLUMNS.items():
        from_hundredths(table, columns)
