"""policy choices (issue 16 item 5): a motion's kind of matter, and households' endorsements
of suggestions and motions (urgency)

Revision ID: 0004_kinds_endorsements
Revises: 0003_money_in_fen
Create Date: 2026-11-30 16:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0004_kinds_endorsements'
down_revision = '0003_money_in_fen'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32), nullable=False, server_default='other'))
        batch_op.add_column(sa.Column('endorsing_households', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
        batch_op.alter_column('endorsing_households', server_default=None)
    op.create_table(
        'endorsements',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('target_type', sa.String(length=16), nullable=False),
        sa.Column('target_id', sa.String(length=64), nullable=False),
        sa.Column('village_id', sa.String(length=64), nullable=False),
        sa.Column('hamlet_id', sa.String(length=64), nullable=True),
        sa.Column('household_id', sa.String(length=64), nullable=False),
        sa.Column('endorsed_by', sa.String(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('endorsed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('target_type', 'target_id', 'household_id', name=op.f('uq_endorsements_target_type')),
    )
    op.create_index(op.f('ix_endorsements_target_id'), 'endorsements', ['target_id'], unique=False)
    op.create_index(op.f('ix_endorsements_village_id'), 'endorsements', ['village_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_endorsements_village_id'), table_name='endorsements')
    op.drop_index(op.f('ix_endorsements_target_id'), table_name='endorsements')
    op.drop_table('endorsements')
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.drop_column('endorsing_households')
        batch_op.drop_column('kind')
