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


def _classes():
    from services import SERVICES
    from services.kernel.nameko_ext import topology
    return [topology.load_service(path) for path in SERVICES.values()]


def _notice(n=0):
    return {"notice_id": str(n), "cause_event_id": f"e{n}", "cause_type": "good_deed.verified",
            "headline": "好人好事", "audience": ["public"]}


def test_outside_only_events_are_routable_while_our_handlers_routes_stay_mandatory(amqp_uri, sessions):
    from services.kernel.nameko_ext import topology
    classes = _classes()
    assert "notice.published" in [t.name for t in topology.outside_only(classes)]
    # the archive (as `make definitions` / `topology apply` declare it), but no handler queue
    archive = topology.archive_queue(classes)
    with Connection(amqp_uri) as connection:
        archive(connection.default_channel).declare()
    with sessions() as session:
        notice = outbox.emit(session, "notice.published", _notice())
        deed_event = outbox.emit(session, "good_deed.verified", deed("sweep"))
        session.commit()
    assert OutboxRelay(sessions, amqp_uri).publish_pending() == 1
    with sessions() as session:
        pending = session.execute(select(db.outbox_table).where(db.outbox_table.c.published_at.is_(None))).all()
    # our own handler's queue is missing: the event is returned and kept, not archived
    assert [r.event_id for r in pending] == [deed_event["id"]]
    assert [body["id"] for _, body in _drain(amqp_uri, archive)] == [notice["id"]]


def test_a_row_that_can_never_be_routed_is_parked_with_its_reason_and_replayable(amqp_uri, sessions):
    from services.kernel import parking
    with sessions() as session:
        stray = outbox.emit(session, "good_deed.verified", deed("sweep"))
        session.commit()
    relay = OutboxRelay(sessions, amqp_uri, max_unroutable=3, name="proposals.outbox")
    for attempt in range(3):
        assert relay.publish_pending() == 0
        with sessions() as session:  # the backoff passes
            session.execute(update(db.outbox_table).where(db.outbox_table.c.published_at.is_(None))
                            .values(next_attempt_at=None))
            session.commit()
    assert pending_count(sessions) == 0  # nothing stuck in the outbox
    assert relay.publish_pending() == 0  # and not tried again
    with sessions() as session:
        [row] = session.execute(select(db.outbox_table)).all()
    assert row.attempts == 3 and row.last_error.startswith("parked ")
    [parked] = parking.list_parked(amqp_uri)
    assert (parked.event_id, parked.exchange, parked.routing_key) == (
        stray["id"], "proposals.events", "good_deed.verified")
    assert "unroutable after 3 attempts" in parked.error and parked.consumer == "proposals.outbox"

    queue = _bind(amqp_uri)  # a queue is bound at last: the operator replays it there
    assert [p.event_id for p in parking.replay(amqp_uri, {stray["id"]})] == [stray["id"]]
    assert [body["id"] for _, body in _drain(amqp_uri, queue)] == [stray["id"]]
    assert parking.list_parked(amqp_uri) == []


def test_a_window_is_published_and_confirmed_together_in_order(amqp_uri, sessions):
    queue = _bind(amqp_uri)
    with sessions() as session:
        sent = [e["id"] for e in (outbox.emit(session, "good_deed.verified", deed("sweep", n))
                                  for n in range(1200))]
        session.commit()
    relay = OutboxRelay(sessions, amqp_uri, batch_size=500)
    assert [relay.publish_pending() for _ in range(4)] == [500, 500, 200, 0]
    assert pending_count(sessions) == 0
    assert [body["id"] for _, body in _drain(amqp_uri, queue)] == sent
    with sessions() as session:
        rows = session.execute(select(db.outbox_table.c.attempts, db.outbox_table.c.published_at)).all()
    assert all(r.attempts == 1 and r.published_at is not None for r in rows)


def test_an_unroutable_type_backs_off_as_a_whole_without_trying_each_row(amqp_uri, sessions):
    """A type no queue takes costs one try per backoff step, not one per pending row."""
    with sessions() as session:
        for n in range(4):
            outbox.emit(session, "good_deed.verified", deed("sweep", n))
        session.commit()
    relay = OutboxRelay(sessions, amqp_uri, batch_size=1)
    assert relay.publish_pending() == 0
    assert relay.publish_pending() == 0  # the rest wait with the first: nothing is due
    with sessions() as session:
        rows = session.execute(select(db.outbox_table).order_by(db.outbox_table.c.id)).all()
    assert [r.attempts for r in rows] == [1, 0, 0, 0]
    assert len({r.next_attempt_at for r in rows}) == 1 and rows[0].next_attempt_at is not None
    queue = _bind(amqp_uri)
    with sessions() as session:  # the backoff passes
        session.execute(update(db.outbox_table).values(next_attempt_at=None))
        session.commit()
    relay.batch_size = 10
    assert relay.publish_pending() == 4
    assert len(_drain(amqp_uri, queue)) == 4


def test_confirmed_rows_are_deleted_at_once_with_no_retention(amqp_uri, sessions):
    from datetime import timedelta
    queue = _bind(amqp_uri)
    with sessions() as session:
        for n in range(3):
            outbox.emit(session, "good_deed.verified", deed("sweep", n))
        session.commit()
    assert OutboxRelay(sessions, amqp_uri, retention=timedelta(0)).publish_pending() == 3
    with sessions() as session:
        assert session.execute(select(db.outbox_table)).all() == []
    assert len(_drain(amqp_uri, queue)) == 3
