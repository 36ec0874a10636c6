import json

import pytest
from sqlalchemy import select

from services.kernel import db, idempotency, outbox
from services.kernel.errors import EventSchemaError

DEED = {"deed_id": "1", "household_id": "h1", "hamlet_id": "g3", "deed_code": "sweep",
        "verified_by": "c1"}


@pytest.fixture
def session(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path}/k.sqlite")
    db.create_all(engine)
    with db.session_factory(engine)() as session:
        yield session
    engine.dispose()


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
