"""donations in integer fen and hamlet scores in integer hundredths (services.kernel.types):
exact on SQLite as on PostgreSQL

Revision ID: 0003_money_in_fen
Revises: k0002_requests
"""
import sqlalchemy as sa

from services.kernel.migrations import hundredths_steps

revision = "0003_money_in_fen"
down_revision = "k0002_requests"
branch_labels = None
depends_on = None

COLUMNS = {
    "scoring_donations": {"amount": sa.Numeric(14, 2)},
    "scoring_hamlet_applications": {"total": sa.Numeric(7, 2), "threshold": sa.Numeric(7, 2)},
}


upgrade, downgrade = hundredths_steps(COLUMNS)
