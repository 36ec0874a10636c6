"""The relay publishes with confirms and mandatory routing, and keeps what it could not send."""
from __future__ import annotations

import json

import pytest
from kombu import Connection, Queue
from kombu.exceptions import OperationalError
from sqlalchemy import select

from services.kernel import db, outbox
from services.kernel.relay import OutboxRelay, Unroutable, event_exchange, pending_count
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

    with pytest.raises(Unroutable):
        relay.publish_pending()
    assert pending_count(sessions) == 5
    with sessions() as session:
        first = session.execute(select(db.outbox_table).order_by(db.outbox_table.c.id)).first()
    assert first.attempts == 1 and "no queue bound" in first.last_error

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
