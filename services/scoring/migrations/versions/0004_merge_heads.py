"""one head again: money in fen (vocab) and the kernel's request answers (main) both follow 0002

Revision ID: 0004_merge_heads
Revises: 0003_money_in_fen, k0002_requests
"""
revision = "0004_merge_heads"
down_revision = ("0003_money_in_fen", "k0002_requests")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
