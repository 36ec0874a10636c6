"""projects: the first contributors of labour kept on the project (党员干部带头上 reads them);
participation: which kinds its stored count counted (kept incrementally while they stay the same)

Revision ID: 0006_first_contributors
Revises: 0005_policy_choices
Create Date: 2026-11-30 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_first_contributors'
down_revision = '0005_policy_choices'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_contributors', sa.JSON(), nullable=True))
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counts', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_column('counts')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_column('first_contributors')
