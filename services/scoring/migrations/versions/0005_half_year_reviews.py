"""半年评议 verdicts from meetings with satisfaction, adopted opinions as tasks, reviews of
projects linked to their motion, and period closures per village

Revision ID: 0005_half_year_reviews
Revises: 0004_period_points

Closures were county-wide: an existing closure of a quarter becomes a closure of that quarter in
every village that had a household rated in it (what the old closure in effect closed). Reviews
opened before stored the motion id as ``project_id``: it is copied to ``motion_id``.
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_half_year_reviews"
down_revision = "0004_period_points"
branch_labels = None
depends_on = None


def _closures_table(with_village: bool):
    columns = [sa.Column("kind", sa.String(length=20), nullable=False)]
    if with_village:
        columns.append(sa.Column("village_id", sa.String(length=64), nullable=False))
    columns += [sa.Column("period", sa.String(length=8), nullable=False),
                sa.Column("closed_by", sa.String(length=64), nullable=False),
                sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False)]
    keys = ["kind", "village_id", "period"] if with_village else ["kind", "period"]
    op.create_table("scoring_period_closures", *columns,
                    sa.PrimaryKeyConstraint(*keys, name=op.f("pk_scoring_period_closures")))


def upgrade() -> None:
    bind = op.get_bind()
    old = bind.execute(sa.text(
        "SELECT DISTINCT c.kind, h.village_id, c.period, c.closed_by, c.closed_at "
        "FROM scoring_period_closures c JOIN scoring_ratings r ON r.quarter = c.period "
        "JOIN scoring_households h ON h.household_id = r.household_id")).all()
    op.drop_table("scoring_period_closures")
    _closures_table(with_village=True)
    for row in old:
        bind.execute(sa.text("INSERT INTO scoring_period_closures (kind, village_id, period, closed_by, closed_at) "
                             "VALUES (:k, :v, :p, :b, :a)"),
                     {"k": row[0], "v": row[1], "p": row[2], "b": row[3], "a": row[4]})

    with op.batch_alter_table("scoring_reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=10), nullable=False, server_default="project"))
        batch_op.add_column(sa.Column("motion_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("result", sa.String(length=20), nullable=True))
        batch_op.alter_column("project_id", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_index(batch_op.f("ix_scoring_reviews_village_id"), ["village_id"], unique=False)
    op.execute("UPDATE scoring_reviews SET motion_id = project_id")

    with op.batch_alter_table("scoring_review_verdicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("members", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("present", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("satisfied", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("basically_satisfied", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("unsatisfied", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("result", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("rule_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("rule_version", sa.Integer(), nullable=True))

    with op.batch_alter_table("scoring_opinions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("done_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("done_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table("scoring_projects",
                    sa.Column("project_id", sa.String(length=64), nullable=False),
                    sa.Column("motion_id", sa.String(length=64), nullable=True),
                    sa.Column("name", sa.String(length=200), nullable=False),
                    sa.Column("village_id", sa.String(length=64), nullable=False),
                    sa.Column("hamlet_id", sa.String(length=64), nullable=True),
                    sa.PrimaryKeyConstraint("project_id", name=op.f("pk_scoring_projects")))
    with op.batch_alter_table("scoring_projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scoring_projects_motion_id"), ["motion_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scoring_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scoring_projects_motion_id"))
    op.drop_table("scoring_projects")
    with op.batch_alter_table("scoring_opinions", schema=None) as batch_op:
        for column in ("done_at", "done_by", "done_note", "due_on", "owner"):
            batch_op.drop_column(column)
    with op.batch_alter_table("scoring_review_verdicts", schema=None) as batch_op:
        for column in ("rule_version", "rule_id", "reason", "result", "unsatisfied", "basically_satisfied",
                       "satisfied", "present", "members", "meeting_id"):
            batch_op.drop_column(column)
    op.execute("DELETE FROM scoring_reviews WHERE project_id IS NULL")
    with op.batch_alter_table("scoring_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scoring_reviews_village_id"))
        batch_op.alter_column("project_id", existing_type=sa.String(length=64), nullable=False)
        for column in ("result", "motion_id", "subject"):
            batch_op.drop_column(column)
    bind = op.get_bind()
    old = bind.execute(sa.text("SELECT kind, period, MIN(closed_by), MIN(closed_at) FROM scoring_period_closures "
                               "GROUP BY kind, period")).all()
    op.drop_table("scoring_period_closures")
    _closures_table(with_village=False)
    for row in old:
        bind.execute(sa.text("INSERT INTO scoring_period_closures (kind, period, closed_by, closed_at) "
                             "VALUES (:k, :p, :b, :a)"), {"k": row[0], "p": row[1], "b": row[2], "a": row[3]})
