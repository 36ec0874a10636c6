"""kernel tables: outbox and processed events

Revision ID: 0001_kernel
Revises:
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "0001_kernel"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kernel_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("exchange", sa.String(128), nullable=False),
        sa.Column("routing_key", sa.String(128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kernel_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_kernel_outbox_event_id")),
    )
    op.create_index(op.f("ix_kernel_outbox_published_at"), "kernel_outbox", ["published_at"])
    op.create_table(
        "kernel_processed_events",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("consumer", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer", name=op.f("pk_kernel_processed_events")),
    )


def downgrade() -> None:
    op.drop_table("kernel_processed_events")
    op.drop_index(op.f("ix_kernel_outbox_published_at"), table_name="kernel_outbox")
    op.drop_table("kernel_outbox")
