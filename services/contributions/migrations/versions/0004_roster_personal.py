"""roster: household size and note; resident sex, ID and phone numbers encrypted, hashed, masked

Revision ID: 0004_roster_personal
Revises: 0003_money_in_fen, k0002_requests
Create Date: 2026-11-30 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_roster_personal'
down_revision = '0003_money_in_fen'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sex', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('id_number_enc', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('id_number_masked', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('phone_enc', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('phone_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('phone_masked', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_resident_id_number_hash'), ['id_number_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_id_number_hash'))
        for column in ('phone_masked', 'phone_hash', 'phone_enc', 'id_number_masked', 'id_number_hash',
                       'id_number_enc', 'sex'):
            batch_op.drop_column(column)
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_column('note')
        batch_op.drop_column('size')
