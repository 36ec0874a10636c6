"""kernel table: answers of applied RPC requests (one definition, in services.kernel.migrations)

Revision ID: k0002_requests
Revises: 0002_scoring
Create Date: 2026-11-30
"""
from services.kernel.migrations import kernel_requests_downgrade as downgrade  # noqa: F401
from services.kernel.migrations import kernel_requests_upgrade as upgrade  # noqa: F401

revision = "k0002_requests"
down_revision = "0002_scoring"
branch_labels = None
depends_on = None
