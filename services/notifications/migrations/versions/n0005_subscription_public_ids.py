"""subscriptions get a random public id (callers never see the sequential one)

Revision ID: n0005_subscription_public_ids
Revises: 7375220a043b
Create Date: 2026-11-30
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "n0005_subscription_public_ids"
down_revision = "7375220a043b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.add_column(sa.Column("public_id", sa.String(40), nullable=True))
    table = sa.table("subscription", sa.column("id", sa.Integer), sa.column("public_id", sa.String))
    connection = op.get_bind()
    for (row_id,) in connection.execute(sa.select(table.c.id)).all():
        connection.execute(table.update().where(table.c.id == row_id)
                           .values(public_id="sub_" + secrets.token_urlsafe(18)))
    with op.batch_alter_table("subscription") as batch:
        batch.alter_column("public_id", existing_type=sa.String(40), nullable=False)
        batch.create_unique_constraint("uq_subscription_public_id", ["public_id"])


def downgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.drop_constraint("uq_subscription_public_id", type_="unique")
        batch.drop_column("public_id")
