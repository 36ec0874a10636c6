"""The parking lot: events a consumer could not apply, kept with the error until replayed.

A parked message keeps the original body and content type; its headers say which queue it
came from, which handler failed, how often, and why. Operators list and replay them with
``cocreate dlq``. Replay sends the event back to the queue it came from; the consumer's
idempotency keeps a replay from applying anything twice. An event the outbox relay could never
route (no queue bound for it, however long it waited) is parked here too, with its exchange and
routing key: replay publishes it there again.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from kombu import Connection, Exchange, Queue
from kombu.exceptions import ChannelError

PARKED_QUEUE = "cocreate.parked"
H = "x-cocreate-"


def parked_queue() -> Queue:
    # a quorum queue like the handlers' (no delivery limit: listing returns every message)
    return Queue(PARKED_QUEUE, exchange=Exchange(""), routing_key=PARKED_QUEUE,
                 durable=True, auto_delete=False, queue_arguments={"x-queue-type": "quorum"})


@dataclass
class Parked:
    parked_id: str
    event_id: str | None
    event_type: str | None
    queue: str
    consumer: str
    attempts: int
    error: str
    parked_at: str
    body: bytes
    content_type: str
    exchange: str = ""      # set for an event parked by the outbox relay: replay re-publishes it
    routing_key: str = ""


def _publish(connection: Connection, body: bytes, routing_key: str, content_type: str,
             headers: dict, declare=(), exchange: str = "") -> None:
    producer = connection.Producer()
    try:
        producer.publish(body, exchange=exchange, routing_key=routing_key, mandatory=True,
                         delivery_mode=2, content_type=content_type, content_encoding="utf-8",
                         headers=headers, declare=list(declare), retry=True,
                         retry_policy={"max_retries": 3})
    except ChannelError as exc:
        if "NO_ROUTE" in str(exc):
            if exchange:
                raise LookupError(f"no queue bound to {exchange} for {routing_key}") from exc
            raise LookupError(f"queue {routing_key} does not exist") from exc
        raise


def park(amqp_uri: str, body: bytes, content_type: str, *, queue: str, consumer: str,
         attempts: int, error: str, exchange: str = "", routing_key: str = "",
         connection: Connection | None = None) -> str:
    """Store a failed event; returns when the broker has confirmed it."""
    parked_id = str(uuid.uuid4())
    headers = {
        H + "parked-id": parked_id, H + "queue": queue, H + "consumer": consumer,
        H + "attempts": attempts, H + "error": error[:4000],
        H + "parked-at": datetime.now(timezone.utc).isoformat(),
    }
    if exchange:
        headers.update({H + "exchange": exchange, H + "routing-key": routing_key})
    if connection is not None:  # the caller's confirming connection (the outbox relay's)
        _publish(connection, body, PARKED_QUEUE, content_type, headers, declare=[parked_queue()])
        return parked_id
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        _publish(connection, body, PARKED_QUEUE, content_type, headers, declare=[parked_queue()])
    return parked_id


def _describe(message) -> Parked:
    headers = message.headers or {}
    body = message.body if isinstance(message.body, bytes) else message.body.encode("utf-8")
    event_id = event_type = None
    try:
        envelope = json.loads(body)
        event_id, event_type = envelope.get("id"), envelope.get("type")
    except (ValueError, AttributeError):
        pass
    # dead-lettered by the broker (a handler queue's delivery limit): its x-death says from where
    death = (headers.get("x-death") or [{}])[0]
    dead = {} if H + "parked-id" in headers or not death else {
        H + "queue": death.get("queue", ""), H + "attempts": death.get("count", 0),
        H + "error": f"dead-lettered by the broker: {death.get('reason', '')}"}
    headers = {**headers, **dead}
    return Parked(
        parked_id=headers.get(H + "parked-id", ""), event_id=event_id, event_type=event_type,
        queue=headers.get(H + "queue", ""), consumer=headers.get(H + "consumer", ""),
        attempts=int(headers.get(H + "attempts", 0)), error=headers.get(H + "error", ""),
        parked_at=headers.get(H + "parked-at", ""), body=body,
        content_type=message.properties.get("content_type") or "application/json",
        exchange=headers.get(H + "exchange", ""), routing_key=headers.get(H + "routing-key", ""),
    )


def _drain(channel):
    """Every parked message, unacknowledged: closing the channel puts back what is not acked."""
    parked_queue()(channel).declare()
    while True:
        message = channel.basic_get(PARKED_QUEUE, no_ack=False)
        if message is None:
            return
        yield message


def list_parked(amqp_uri: str) -> list[Parked]:
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            return [_describe(message) for message in _drain(channel)]
        finally:
            channel.close()


def replay(amqp_uri: str, ids: set[str] | None = None) -> list[Parked]:
    """Send parked events back to their queues; ``ids`` matches parked or event ids (None: all)."""
    replayed = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        try:
            for message in list(_drain(channel)):
                item = _describe(message)
                if ids is not None and not ({item.parked_id, item.event_id} & ids):
                    continue
                if item.exchange:
                    _publish(connection, item.body, item.routing_key, item.content_type,
                             {H + "replayed-from": item.parked_id}, exchange=item.exchange)
                else:
                    _publish(connection, item.body, item.queue, item.content_type,
                             {H + "replayed-from": item.parked_id})
                channel.basic_ack(message.delivery_tag)
                replayed.append(item)
        finally:
            channel.close()
    return replayed
