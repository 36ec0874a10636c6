import json

import pytest
from sqlalchemy import select

from services.kernel import db, idempotency, outbox
from services.kernel.errors import EventSchemaError
from tests.support.db import session_fixtures

DEED = {"deed_id": "1", "household_id": "h1", "hamlet_id": "g3", "deed_code": "sweep",
        "verified_by": "c1"}

engine, session = session_fixtures()


def test_emit_stores_the_envelope_in_the_callers_transaction(session):
    envelope = outbox.emit(session, "good_deed.verified", DEED, subject="deed/1")
    session.rollback()  # the state change failed: its event goes with it
    assert session.execute(select(db.outbox_table)).all() == []

    envelope = outbox.emit(session, "good_deed.verified", DEED, subject="deed/1")
    session.commit()
    row = session.execute(select(db.outbox_table)).one()
    assert (row.event_id, row.exchange, row.routing_key) == (envelope["id"], "proposals.events", "good_deed.verified")
    assert json.loads(row.body) == envelope
    assert row.published_at is None


def test_emit_refuses_data_failing_its_schema_and_stores_nothing(session):
    with pytest.raises(EventSchemaError):
        outbox.emit(session, "good_deed.verified", dict(DEED, deed_code=None))
    session.commit()
    assert session.execute(select(db.outbox_table)).all() == []


def test_processed_markers_are_per_consumer(session):
    assert not idempotency.seen(session, "e1", "scoring.on_points")
    idempotency.record(session, "e1", "scoring.on_points", "points.decided")
    session.commit()
    assert idempotency.seen(session, "e1", "scoring.on_points")
    assert not idempotency.seen(session, "e1", "notifications.share")


def test_prune_removes_only_old_published_rows_and_markers(session):
    from datetime import timedelta

    from sqlalchemy import update

    from services.kernel.relay import prune_published
    old, fresh, unsent = (outbox.emit(session, "good_deed.verified", DEED) for _ in range(3))
    now = db.utcnow()
    session.execute(update(db.outbox_table).where(db.outbox_table.c.event_id == old["id"])
                    .values(published_at=now - timedelta(days=100)))
    session.execute(update(db.outbox_table).where(db.outbox_table.c.event_id == fresh["id"])
                    .values(published_at=now - timedelta(days=1)))
    idempotency.record(session, "old-event", "c", "good_deed.verified")
    session.execute(update(db.processed_table).values(processed_at=now - timedelta(days=100)))
    idempotency.record(session, "new-event", "c", "good_deed.verified")
    before = now - timedelta(days=90)
    assert prune_published(session, before) == 1
    assert idempotency.prune(session, before) == 1
    session.commit()
    left = {r.event_id for r in session.execute(select(db.outbox_table))}
    assert left == {fresh["id"], unsent["id"]}
    assert idempotency.seen(session, "new-event", "c") and not idempotency.seen(session, "old-event", "c")


def test_the_relays_next_rows_come_from_an_index_of_unpublished_rows_only(tmp_path):
    """Confirmed rows kept for retention must not be scanned to find the next pending ones."""
    from services.kernel import migrations
    url = f"sqlite:///{tmp_path}/proposals.sqlite"
    migrations.upgrade("proposals", url)  # the index as the migrations build it
    eng = db.make_engine(url)
    with eng.connect() as conn:
        sql = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_kernel_outbox_pending'").scalar_one()
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM kernel_outbox WHERE published_at IS NULL "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= '2026-01-01') ORDER BY id LIMIT 500"))
    eng.dispose()
    assert "WHERE published_at IS NULL" in sql
    assert "ix_kernel_outbox_pending" in plan, plan


def test_prune_takes_a_bounded_batch(session):
    from datetime import timedelta

    from sqlalchemy import update

    from services.kernel.relay import prune_published
    for _ in range(5):
        outbox.emit(session, "good_deed.verified", DEED)
    session.execute(update(db.outbox_table).values(published_at=db.utcnow() - timedelta(days=2)))
    assert prune_published(session, db.utcnow() - timedelta(days=1), limit=3) == 3
    assert prune_published(session, db.utcnow() - timedelta(days=1), limit=3) == 2
