"""RPC to any service by name: ``self.cluster.call("proposals", "file_suggestion", payload=...)``.

Built on nameko's public pieces (``Publisher``, ``QueueConsumer``, ``HeaderEncoder``,
``deserialize``) instead of its ``RpcProxy``, for two things nameko 2 cannot do:

- a deadline: every call waits at most ``GATEWAY_RPC_TIMEOUT`` seconds (default 30) and then
  forgets its reply, so a stopped service costs a 504, not a worker held forever;
- an expiry: the request itself expires in the queue at the same deadline, so a write that was
  answered 504 because its service was down is not applied when the service comes back.

Errors a service raises come back as themselves: ``services.kernel.nameko_ext`` registers our
classes, and nameko's own (``MethodNotFound``, ``IncorrectSignature``...) are imported here.
"""
from __future__ import annotations

import uuid

import eventlet
from eventlet.event import Event
from kombu import Queue
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.constants import AMQP_URI_CONFIG_KEY, DEFAULT_SERIALIZER, SERIALIZER_CONFIG_KEY
from nameko.exceptions import MethodNotFound, deserialize
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.messaging import HeaderEncoder, QueueConsumer
from nameko.rpc import RPC_REPLY_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TTL, get_rpc_exchange

import services.kernel.nameko_ext  # noqa: F401  registers our error classes for deserialize()

from .http import ServiceTimeout, ServiceUnavailable

DEFAULT_TIMEOUT = 30.0


class Replies(SharedExtension):
    """The gateway's reply queue: one per process, replies matched to waiting calls by id."""

    queue_consumer = QueueConsumer()

    def __init__(self, **kwargs):
        self.waiting: dict[str, Event] = {}
        super().__init__(**kwargs)

    def setup(self):
        ident = str(uuid.uuid4())
        self.routing_key = ident
        self.queue = Queue(RPC_REPLY_QUEUE_TEMPLATE.format(self.container.service_name, ident),
                           exchange=get_rpc_exchange(self.container.config), routing_key=ident,
                           queue_arguments={"x-expires": RPC_REPLY_QUEUE_TTL})
        self.queue_consumer.register_provider(self)

    def stop(self):
        self.queue_consumer.unregister_provider(self)
        super().stop()

    def expect(self, correlation_id: str) -> Event:
        event = self.waiting[correlation_id] = Event()
        return event

    def forget(self, correlation_id: str) -> None:
        """A call that gave up: a late reply is then acked and dropped."""
        self.waiting.pop(correlation_id, None)

    def handle_message(self, body, message):
        self.queue_consumer.ack_message(message)
        event = self.waiting.pop(message.properties.get("correlation_id"), None)
        if event is not None:
            event.send(body)


class Cluster(HeaderEncoder):
    def __init__(self, worker_ctx, replies: Replies, publisher: Publisher, config, timeout: float):
        self.worker_ctx = worker_ctx
        self.replies = replies
        self.publisher = publisher
        self.config = config
        self.timeout = timeout

    def call(self, service: str, method: str, *, context: dict | None = None, **kwargs):
        """``service.method(**kwargs)``; ``context`` adds to the worker context the service sees
        (for example the request's idempotency key)."""
        correlation_id = str(uuid.uuid4())
        headers = self.get_message_headers(self.worker_ctx)
        for key, value in (context or {}).items():
            headers[self.header_prefix + "." + key] = value
        reply = self.replies.expect(correlation_id)
        try:
            self.publisher.publish(
                {"args": (), "kwargs": kwargs}, exchange=get_rpc_exchange(self.config),
                routing_key=f"{service}.{method}", mandatory=True, reply_to=self.replies.routing_key,
                correlation_id=correlation_id, extra_headers=headers,
                expiration=self.timeout)
        except UndeliverableMessage:
            self.replies.forget(correlation_id)
            raise ServiceUnavailable(service) from None
        try:
            with eventlet.Timeout(self.timeout):
                body = reply.wait()
        except eventlet.Timeout:
            self.replies.forget(correlation_id)
            raise ServiceTimeout(service, method, self.timeout) from None
        if body.get("error"):
            error = deserialize(body["error"])
            if isinstance(error, MethodNotFound):
                raise ServiceUnavailable(service, f"{service} has no method {method} (an older version?)")
            raise error
        return body["result"]


class ClusterRpc(DependencyProvider):
    replies = Replies()

    def setup(self):
        config = self.container.config
        self.timeout = float(config.get("GATEWAY_RPC_TIMEOUT") or DEFAULT_TIMEOUT)
        self.publisher = Publisher(config[AMQP_URI_CONFIG_KEY],
                                   serializer=config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER),
                                   use_confirms=True)

    def get_dependency(self, worker_ctx):
        return Cluster(worker_ctx, self.replies, self.publisher, self.container.config, self.timeout)
