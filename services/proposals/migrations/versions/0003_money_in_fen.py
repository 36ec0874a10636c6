"""money as integer fen (services.kernel.types.Money): exact on SQLite as on PostgreSQL

Revision ID: 0003_money_in_fen
Revises: 0002_co_planning
"""
import sqlalchemy as sa

from services.kernel.migrations import from_hundredths, to_hundredths

revision = "0003_money_in_fen"
down_revision = "0002_co_planning"
branch_labels = None
depends_on = None

COLUMNS = {"motions": {"estimated_budget": sa.Numeric(14, 2)}}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        to_hundredths(table, columns)


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        from_hundredths(table, columns)
