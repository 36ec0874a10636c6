"""titles read from titles.yaml: the award period of a title, and decisions parked with a reason

Revision ID: 0006_open_titles
Revises: 0005_residents
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_open_titles"
down_revision = "0005_residents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scoring_titles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period", sa.String(length=6), nullable=True))
    op.create_table(
        "scoring_parked_decisions",
        sa.Column("parked_id", sa.String(length=36), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=True),
        sa.Column("period", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("parked_id", name=op.f("pk_scoring_parked_decisions")),
    )
    with op.batch_alter_table("scoring_parked_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scoring_parked_decisions_area"), ["area"], unique=False)
        batch_op.create_index(batch_op.f("ix_scoring_parked_decisions_household_id"), ["household_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scoring_parked_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scoring_parked_decisions_household_id"))
        batch_op.drop_index(batch_op.f("ix_scoring_parked_decisions_area"))
    op.drop_table("scoring_parked_decisions")
    with op.batch_alter_table("scoring_titles", schema=None) as batch_op:
        batch_op.drop_column("period")
