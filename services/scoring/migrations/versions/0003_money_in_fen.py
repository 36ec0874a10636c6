"""donations in integer fen and hamlet scores in integer hundredths (services.kernel.types):
exact on SQLite as on PostgreSQL

Revision ID: 0003_money_in_fen
Revises: 0002_scoring
"""
import sqlalchemy as sa

from services.kernel.migrations import from_hundredths, to_hundredths

revision = "0003_money_in_fen"
down_revision = "0002_scoring"
branch_labels = None
depends_on = None

COLUMNS = {
    "scoring_donations": {"amount": sa.Numeric(14, 2)},
    "scoring_hamlet_applications": {"total": sa.Numeric(7, 2), "threshold": sa.Numeric(7, 2)},
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        to_hundredths(table, columns)


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        from_hundredths(table, columns)
