"""Handler queues are quorum queues: replicated across a broker cluster, with a delivery limit
that dead-letters a message no consumer survives into the parking lot."""
from __future__ import annotations

import json

import pytest
from kombu import Connection, Queue

from services import SERVICES
from services.kernel import events, parking
from services.kernel.nameko_ext import topology
from services.kernel.nameko_ext.entrypoints import DELIVERY_LIMIT, queue_for
from tests.support.wait import until

pytestmark = pytest.mark.integration


def _classes():
    return [topology.load_service(path) for path in SERVICES.values()]


def test_apply_declares_every_handler_queue_and_the_parking_lot_as_quorum_queues(amqp_uri, vhosts):
    names = topology.apply(amqp_uri, _classes())
    handler = queue_for("notifications", "share", "*").name
    assert handler in names
    assert vhosts.queue_type(amqp_uri, handler) == "quorum"
    assert vhosts.queue_type(amqp_uri, parking.PARKED_QUEUE) == "quorum"
    assert vhosts.queue_type(amqp_uri, topology.ARCHIVE_QUEUE) == "classic"  # a bounded ring, not a store


def test_a_message_redelivered_past_the_limit_is_dead_lettered_into_the_parking_lot(amqp_uri):
    topology.apply(amqp_uri, _classes())
    queue = queue_for("notifications", "share", "*")
    envelope = events.make_envelope("good_deed.verified", {
        "deed_id": "1", "household_id": "h1", "hamlet_id": "g1", "deed_code": "sweep", "verified_by": "c1"})
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        channel.basic_publish(channel.prepare_message(json.dumps(envelope).encode()), exchange="", routing_key=queue.name)
        for _ in range(DELIVERY_LIMIT + 1):  # a consumer that dies on it every time
            message = until(lambda: channel.basic_get(queue.name, no_ack=False), timeout=30, message="the message back")
            channel.basic_reject(message.delivery_tag, requeue=True)
        parked = until(lambda: parking.list_parked(amqp_uri), timeout=30, message="the message parked")
        assert channel.basic_get(queue.name, no_ack=True) is None
        channel.close()
    [parked] = parked
    assert parked.event_id == envelope["id"] and parked.queue == queue.name
    assert "delivery_limit" in parked.error


def _classic(amqp_uri, queue, messages=0):
    """The classic queue a broker from before had under that name."""
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        Queue(queue.name, durable=True, auto_delete=False)(channel).declare()
        for _ in range(messages):
            channel.basic_publish(channel.prepare_message(b"{}"), exchange="", routing_key=queue.name)
        channel.close()


def test_apply_replaces_an_empty_classic_queue(amqp_uri, vhosts):
    queue = queue_for("scoring", "on_points_decided", "points.decided")
    _classic(amqp_uri, queue)
    assert vhosts.queue_type(amqp_uri, queue.name) == "classic"
    topology.apply(amqp_uri, _classes())
    assert vhosts.queue_type(amqp_uri, queue.name) == "quorum"


def test_apply_refuses_to_drop_the_messages_of_a_classic_queue(amqp_uri, vhosts):
    queue = queue_for("scoring", "on_points_decided", "points.decided")
    _classic(amqp_uri, queue, messages=1)
    with pytest.raises(topology.QueueMismatch, match=f"{queue.name}.*1 messages"):
        topology.apply(amqp_uri, _classes())
    assert vhosts.queue_type(amqp_uri, queue.name) == "classic"  # its message is still there
