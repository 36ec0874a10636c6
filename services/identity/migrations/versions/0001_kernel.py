"""kernel tables: outbox and processed events (one definition, in services.kernel.migrations)

Revision ID: 0001_kernel
Revises:
Create Date: 2026-11-28
"""
from services.kernel.migrations import kernel_downgrade as downgrade  # noqa: F401
from services.kernel.migrations import kernel_upgrade as upgrade  # noqa: F401

revision = "0001_kernel"
down_revision = None
branch_labels = None
depends_on = None
