"""policy choices (issue 16 item 5): a ledger entry's rule flag, the 四个一律 register of
structures, parcels linked to projects, motions' urgency and a funding request's urgency

Revision ID: 0005_policy_choices
Revises: 0004_roster_personal
Create Date: 2026-11-30 16:00:00
"""
from alembic import op
import sqlalchemy as sa




revision = '0005_policy_choices'
down_revision = '0004_roster_personal'
branch_labels = None
depends_on = None




def upgrade() -> None:
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag', sa.JSON(), nullable=True))
    with op.batch_alter_table('parcel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('assigned_by', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_parcel_project_id'), ['project_id'], unique=False)
        batch_op.create_foreign_key('fk_parcel_project_id_project', 'project', ['project_id'], ['id'])
    with op.batch_alter_table('demolition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('structure_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('funding_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgency', sa.Float(), nullable=True))
    op.create_table(
        'structure',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('structure_type', sa.String(length=32), nullable=False),
        sa.Column('area_m2', sa.BigInteger(), nullable=True),
        sa.Column('village_id', sa.String(length=64), nullable=False),
        sa.Column('hamlet_id', sa.String(length=64), nullable=False),
        sa.Column('household_id', sa.String(length=64), nullable=False),
        sa.Column('location', sa.Text(), nullable=False),
        sa.Column('must_remove', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('demolition_id', sa.String(length=64), nullable=True),
        sa.Column('rule', sa.JSON(), nullable=False),
        sa.Column('listed_by', sa.String(length=64), nullable=True),
        sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['village_id'], ['village.id']),
        sa.ForeignKeyConstraint(['hamlet_id'], ['hamlet.id']),
        sa.ForeignKeyConstraint(['household_id'], ['household.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_structure_village_id'), 'structure', ['village_id'], unique=False)
    op.create_index(op.f('ix_structure_hamlet_id'), 'structure', ['hamlet_id'], unique=False)
    op.create_table(
        'motion_urgency',
        sa.Column('motion_id', sa.String(length=64), nullable=False),
        sa.Column('village_id', sa.String(length=64), nullable=False),
        sa.Column('hamlet_id', sa.String(length=64), nullable=True),
        sa.Column('endorsing_households', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('motion_id'),
    )


def downgrade() -> None:
    op.drop_table('motion_urgency')
    op.drop_index(op.f('ix_structure_hamlet_id'), table_name='structure')
    op.drop_index(op.f('ix_structure_village_id'), table_name='structure')
    op.drop_table('structure')
    with op.batch_alter_table('funding_request', schema=None) as batch_op:
        batch_op.drop_column('urgency')
    with op.batch_alter_table('demolition', schema=None) as batch_op:
        batch_op.drop_column('structure_id')
    with op.batch_alter_table('parcel', schema=None) as batch_op:
        batch_op.drop_constraint('fk_parcel_project_id_project', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_parcel_project_id'))
        for column in ('assigned_by', 'assigned_at', 'project_id'):
            batch_op.drop_column(column)
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_column('flag')
