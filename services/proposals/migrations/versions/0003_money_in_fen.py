"""money as integer fen (services.kernel.types.Money): exact on SQLite as on PostgreSQL

Revision ID: 0003_money_in_fen
Revises: k0002_requests
"""
import sqlalchemy as sa

from services.kernel.migrations import hundredths_steps

revision = "0003_money_in_fen"
down_revision = "k0002_requests"
branch_labels = None
depends_on = None

COLUMNS = {"motions": {"estimated_budget": sa.Numeric(14, 2)}}


upgrade, downgrade = hundredths_steps(COLUMNS)
