"""The relay publishes with confirms and mandatory routing, and keeps what it could not send."""
from __future__ import annotations

import json

import pytest
from kombu import Connection, Queue
from kombu.exceptions import OperationalError
from sqlalchemy import select, update

from services.kernel import db, outbox
from services.kernel.relay import OutboxRelay, event_exchange, pending_count
from tests.support.bus import deed

pytestmark = pytest.mark.integration


@pytest.fixture
def sessions(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path}/relay.sqlite")
    db.create_all(engine)
    yield db.session_factory(engine)
    engine.dispose()


def _bind(uri):
    queue = Queue("county-system-deeds", exchange=event_exchange("proposals.events"),
                  routing_key="good_deed.*", durable=True, auto_delete=False)
    with Connection(uri) as connection:
        queue(connection.default_channel).declare()
    return queue


def _drain(uri, queue):
    got = []
    with Connection(uri) as connection:
        channel = connection.channel()
        while (message := channel.basic_get(queue.name, no_ack=True)) is not None:
            got.append((message.properties.get("content_type"), json.loads(message.body)))
        channel.close()
    return got


def test_unroutable_events_stay_pending_until_a_queue_exists_then_go_in_order(amqp_uri, sessions):
    with sessions() as session:
        envelopes = [outbox.emit(session, "good_deed.verified", deed("sweep", n)) for n in range(5)]
        session.commit()
    relay = OutboxRelay(sessions, amqp_uri)

    assert relay.publish_pending() == 0
    assert pending_count(sessions) == 5
    with sessions() as session:
        rows = session.execute(select(db.outbox_table).order_by(db.outbox_table.c.id)).all()
    assert all(r.attempts == 1 and "no queue bound" in r.last_error for r in rows)
    assert relay.publish_pending() == 0  # backing off: not tried again at once
    with sessions() as session:
        assert session.execute(select(db.outbox_table.c.attempts)).scalars().all() == [1] * 5
        session.execute(update(db.outbox_table).values(next_attempt_at=None))  # the backoff passes
        session.commit()

    queue = _bind(amqp_uri)  # a county system subscribes with its own queue, no code of ours
    assert relay.publish_pending() == 5
    assert pending_count(sessions) == 0
    received = _drain(amqp_uri, queue)
    assert [body["id"] for _, body in received] == [e["id"] for e in envelopes]
    assert {ctype for ctype, _ in received} == {"application/cloudevents+json"}
    assert relay.publish_pending() == 0  # published rows are not sent again


def test_relay_keeps_running_through_a_broker_outage(amqp_uri, sessions):
    with sessions() as session:
        outbox.emit(session, "good_deed.verified", deed("sweep"))
        session.commit()
    relay = OutboxRelay(sessions, "amqp://guest:guest@127.0.0.1:1/", poll_interval=0.05)
    with pytest.raises(OperationalError):
        relay.publish_pending()
    assert pending_count(sessions) == 1
    relay.amqp_uri = amqp_uri  # the broker is back
    _bind(amqp_uri)
    assert relay.publish_pending() == 1


def test_an_unroutable_event_does_not_hold_up_the_ones_behind_it(amqp_uri, sessions):
    queue = _bind(amqp_uri)  # binds good_deed.* only
    with sessions() as session:
        stray = outbox.emit(session, "points.decided", {
            "household_id": "h1", "deed_code": "sweep", "points": 2, "reason": "r",
            "cause_event_id": "e0", "rule": {"id": "r1", "version": 1}})
        deeds = [outbox.emit(session, "good_deed.verified", deed("sweep", n)) for n in range(3)]
        session.commit()
    assert OutboxRelay(sessions, amqp_uri).publish_pending() == 3
    assert [body["id"] for _, body in _drain(amqp_uri, queue)] == [d["id"] for d in deeds]
    with sessions() as session:
        pending = session.execute(select(db.outbox_table).where(db.outbox_table.c.published_at.is_(None))).all()
    assert [(r.event_id, r.attempts) for r in pending] == [(stray["id"], 1)]


def test_two_relays_sharing_a_postgres_outbox_publish_each_event_once(amqp_uri, postgres_url):
    """Two replicas of one service: their relays claim rows, they do not both send them."""
    import eventlet

    engine = db.make_engine(postgres_url)
    db.create_all(engine)
    sessions = db.session_factory(engine)
    with sessions() as session:
        sent = [outbox.emit(session, "good_deed.verified", deed("sweep", n))["id"] for n in range(150)]
        session.commit()
    queue = _bind(amqp_uri)
    relays = [OutboxRelay(sessions, amqp_uri, batch_size=10) for _ in range(2)]

    def drain(relay):
        count = 0
        while pending_count(sessions):
            count += relay.publish_pending()
        return count

    counts = [gt.wait() for gt in [eventlet.spawn(drain, r) for r in relays]]
    received = [body["id"] for _, body in _drain(amqp_uri, queue)]
    assert sorted(received) == sorted(sent)  # each exactly once
    assert sum(counts) == len(sent) and all(counts), counts  # and both relays did share the work
    engine.dispose()
