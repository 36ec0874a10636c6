"""Alembic, one migration history per service (``services/<name>/migrations``)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from sqlalchemy import text

from .config import ROOT
from .db import kernel_metadata, make_engine, normalise_url


MIGRATION_LOCK = 0x636F6372  # "cocr": the advisory lock every service's migrations take


def alembic_config(service: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(service: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


def revision(service: str, url: str, message: str) -> None:
    """Autogenerate a new migration from the difference between models and database."""
    cfg = alembic_config(service, url)
    command.upgrade(cfg, "head")
    command.revision(cfg, message=message, autogenerate=True)


def run_env(target_metadata) -> None:
    """Body of every service's ``migrations/env.py``."""
    from alembic import context

    metadata = [kernel_metadata, target_metadata]
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                # A batch migration copies a table and drops the original; with foreign keys
                # enforced, that drop would delete (or cascade to) the rows referring to it.
                # The pragma only takes effect outside a transaction, hence here.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            context.configure(connection=connection, target_metadata=metadata,
                              render_as_batch=connection.dialect.name == "sqlite")
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    # replicas starting together migrate one after the other, not on top of each other
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                context.run_migrations()
                if connection.dialect.name == "sqlite":
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration left rows without their parent: {broken[:10]}")
    finally:
        engine.dispose()


def kernel_upgrade() -> None:
    """The kernel's tables (outbox, processed events): every service's first revision."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "kernel_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("exchange", sa.String(128), nullable=False),
        sa.Column("routing_key", sa.String(128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kernel_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_kernel_outbox_event_id")),
    )
    op.create_index(op.f("ix_kernel_outbox_published_at"), "kernel_outbox", ["published_at"])
    op.create_table(
        "kernel_processed_events",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("consumer", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer", name=op.f("pk_kernel_processed_events")),
    )


def kernel_downgrade() -> None:
    from alembic import op

    op.drop_table("kernel_processed_events")
    op.drop_index(op.f("ix_kernel_outbox_published_at"), table_name="kernel_outbox")
    op.drop_table("kernel_outbox")


def to_hundredths(table: str, columns: dict) -> None:
    """Turn ``NUMERIC(p, 2)`` columns into integer hundredths (fen for money), keeping each value.

    ``columns`` maps a column name to its old ``NUMERIC`` type. Used by the revisions that
    moved every service's money onto ``services.kernel.types.Money`` (SQLite stored NUMERIC as
    a float); values are rounded to the fen once, here, as SQLite may hold 0.1 as 0.1000000001.
    """
    import sqlalchemy as sa
    from alembic import op

    if op.get_bind().dialect.name == "postgresql":
        for name, old in columns.items():
            op.alter_column(table, name, type_=sa.BigInteger(), existing_type=old,
                            postgresql_using=f"round({name} * 100)::bigint")
        return
    for name in columns:
        op.execute(f'UPDATE "{table}" SET "{name}" = CAST(ROUND("{name}" * 100) AS INTEGER) '
                   f'WHERE "{name}" IS NOT NULL')
    with op.batch_alter_table(table) as batch:
        for name, old in columns.items():
            batch.alter_column(name, type_=sa.BigInteger(), existing_type=old)


def from_hundredths(table: str, columns: dict) -> None:
    """The downgrade of :func:`to_hundredths`: back to the given ``NUMERIC`` types."""
    from alembic import op

    if op.get_bind().dialect.name == "postgresql":
        for name, old in columns.items():
            op.alter_column(table, name, type_=old, postgresql_using=f"({name}::numeric / 100)")
        return
    with op.batch_alter_table(table) as batch:
        for name, old in columns.items():
            batch.alter_column(name, type_=old)
    for name in columns:
        op.execute(f'UPDATE "{table}" SET "{name}" = "{name}" / 100.0 WHERE "{name}" IS NOT NULL')


def hundredths_steps(columns_by_table: dict):
    """``upgrade, downgrade = hundredths_steps({table: {column: old NUMERIC type}})``: a
    revision's two steps moving those columns to integer hundredths and back."""
    def upgrade() -> None:
        for table, columns in columns_by_table.items():
            to_hundredths(table, columns)

    def downgrade() -> None:
        for table, columns in columns_by_table.items():
            from_hundredths(table, columns)

    return upgrade, downgrade


def kernel_requests_upgrade() -> None:
    """The answers of applied RPC requests (Idempotency-Key, broker redelivery)."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "kernel_requests",
        sa.Column("request_key", sa.String(300), nullable=False),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("digest", sa.String(64), nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_key", name=op.f("pk_kernel_requests")),
    )
    op.create_index(op.f("ix_kernel_requests_created_at"), "kernel_requests", ["created_at"])


def kernel_requests_downgrade() -> None:
    from alembic import op

    op.drop_index(op.f("ix_kernel_requests_created_at"), table_name="kernel_requests")
    op.drop_table("kernel_requests")


def kernel_outbox_pending_upgrade() -> None:
    """An index of the unpublished outbox rows only (partial, on PostgreSQL and SQLite)."""
    import sqlalchemy as sa
    from alembic import op

    pending = sa.text("published_at IS NULL")
    op.drop_index(op.f("ix_kernel_outbox_published_at"), table_name="kernel_outbox")
    op.create_index("ix_kernel_outbox_pending", "kernel_outbox", ["id"],
                    postgresql_where=pending, sqlite_where=pending)


def kernel_outbox_pending_downgrade() -> None:
    from alembic import op

    op.drop_index("ix_kernel_outbox_pending", table_name="kernel_outbox")
    op.create_index(op.f("ix_kernel_outbox_published_at"), "kernel_outbox", ["published_at"])
