"""rules_policy_versions keeps the staff's case file each version was published with

Revision ID: 0004_cases_in_history
Revises: k0003_outbox_pending
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_cases_in_history"
down_revision = "k0003_outbox_pending"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rules_policy_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cases", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cases_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rules_policy_versions", schema=None) as batch_op:
        batch_op.drop_column("cases_sha256")
        batch_op.drop_column("cases")
