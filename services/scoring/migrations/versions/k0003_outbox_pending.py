"""kernel table: the outbox's unpublished rows in an index of their own (services.kernel.migrations)

Revision ID: k0003_outbox_pending
Revises: 0005_half_year_reviews
Create Date: 2026-11-30
"""
from services.kernel.migrations import kernel_outbox_pending_downgrade as downgrade  # noqa: F401
from services.kernel.migrations import kernel_outbox_pending_upgrade as upgrade  # noqa: F401

revision = "k0003_outbox_pending"
down_revision = "0005_half_year_reviews"
branch_labels = None
depends_on = None
