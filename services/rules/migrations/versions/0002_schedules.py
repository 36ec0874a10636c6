"""rules_schedules: reviews and answer deadlines that survive a restart

Revision ID: 0002_schedules
Revises: 0001_kernel
Create Date: 2026-11-28 18:57:41.415442
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_schedules'
down_revision = '0001_kernel'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rules_schedules',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_check_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('last_outcome', sa.String(length=32), nullable=True),
    sa.Column('last_rule', sa.JSON(), nullable=True),
    sa.Column('fired', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rules_schedules')),
    sa.UniqueConstraint('kind', 'subject', name=op.f('uq_rules_schedules_kind'))
    )
    with op.batch_alter_table('rules_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rules_schedules_next_check_at'), ['next_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rules_schedules_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rules_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rules_schedules_status'))
        batch_op.drop_index(batch_op.f('ix_rules_schedules_next_check_at'))

    op.drop_table('rules_schedules')
