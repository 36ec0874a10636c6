"""The queues every handler needs, declared at deploy time so no event is dropped as unroutable.

From the services' ``on_event`` handlers this module derives the exchanges, queues and
bindings; ``definitions`` renders them as a RabbitMQ definitions file (loaded by compose) and
``apply`` declares them over AMQP (``make run``). Both use the same Queue objects as the
handlers themselves, so the two never disagree.
"""
from __future__ import annotations

import json
import re
from importlib import import_module

from kombu import Connection, Queue, binding
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.rpc import RPC_QUEUE_TEMPLATE, Rpc

from .. import events
from ..parking import parked_queue
from ..relay import event_exchange
from .entrypoints import OnEvent, queue_for


def load_service(path: str):
    module, _, attr = path.partition(":")
    return getattr(import_module(module), attr)


def handler_queues(service_cls) -> list:
    queues = []
    for method_name in sorted(dir(service_cls)):
        method = getattr(service_cls, method_name, None)
        for extension in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(extension, OnEvent):
                queues.append(queue_for(service_cls.name, method_name, extension.name))
    return queues


def entrypoints(service_cls, kind) -> list:
    """The service's entrypoint extensions of ``kind`` (as nameko's decorators attach them)."""
    return [extension for name in sorted(dir(service_cls))
            for extension in getattr(getattr(service_cls, name, None), ENTRYPOINT_EXTENSIONS_ATTR, ())
            if isinstance(extension, kind)]


def rpc_queue(service_cls) -> str | None:
    """The queue nameko's RPC consumer takes the service's calls from (None: no RPC entrypoint).

    Named by nameko's own template, never spelled out here; tests/unit/kernel/test_nameko_reliances.py
    checks that nameko still declares exactly this queue.
    """
    return RPC_QUEUE_TEMPLATE.format(service_cls.name) if entrypoints(service_cls, Rpc) else None


def exchanges() -> list:
    return [event_exchange(events.exchange_for(s)) for s in sorted({t.source for t in events.all_types()})]


def _bindings(queue):
    if queue.bindings:  # kombu keeps them in a set: sort for a stable definitions file
        return sorted((b.exchange.name, b.routing_key) for b in queue.bindings)
    if queue.exchange is None or not queue.exchange.name:
        return []  # the archive with nothing outside-only to hold
    return [(queue.exchange.name, queue.routing_key)]


ARCHIVE_QUEUE = "cocreate.archive"
# The archive only makes outside-only events routable; it is a bounded ring, not a store
# (the catch-up feed, GET /api/events, reads the notifications service's database).
ARCHIVE_ARGUMENTS = {"x-max-length": 100000, "x-overflow": "drop-head",
                     "x-message-ttl": 7 * 24 * 3600 * 1000}


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: ``*`` is one word, ``#`` zero or more."""
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and (p[0] == "*" or p[0] == k[0]) and match(p[1:], k[1:])
    return match(pattern.split("."), key.split("."))


def outside_only(service_classes) -> list:
    """Event types no handler of ours consumes: they exist for county systems alone.

    Publishing stays mandatory for every event, so an event whose handler queue is missing is
    still returned and kept in the outbox; these types are bound to the archive queue instead,
    so they are routable before any county system has bound a queue of its own.
    """
    routes = [b for cls in service_classes for q in handler_queues(cls) for b in _bindings(q)]
    return [t for t in events.all_types()
            if not any(x == t.exchange and topic_matches(key, t.name) for x, key in routes)]


def archive_queue(service_classes) -> Queue:
    return Queue(ARCHIVE_QUEUE, durable=True, auto_delete=False, queue_arguments=ARCHIVE_ARGUMENTS,
                 bindings=[binding(event_exchange(t.exchange), routing_key=t.name)
                           for t in outside_only(service_classes)])


def all_queues(service_classes) -> list:
    return ([q for cls in service_classes for q in handler_queues(cls)]
            + [archive_queue(service_classes), parked_queue()])


def definitions(service_classes, vhost: str = "/") -> dict:
    queues = all_queues(service_classes)
    return {
        "exchanges": [{"name": x.name, "vhost": vhost, "type": x.type, "durable": True,
                       "auto_delete": False, "internal": False, "arguments": {}}
                      for x in exchanges()],
        "queues": [{"name": q.name, "vhost": vhost, "durable": True, "auto_delete": False,
                    "arguments": dict(q.queue_arguments or {})} for q in queues],
        "bindings": [{"source": exchange, "vhost": vhost, "destination": q.name,
                      "destination_type": "queue", "routing_key": key, "arguments": {}}
                     for q in queues if q.name != parked_queue().name
                     for exchange, key in _bindings(q)],
    }


class QueueMismatch(RuntimeError):
    """A queue exists with other arguments (say, classic where quorum is declared) and holds messages."""


def apply(amqp_uri: str, service_classes) -> list[str]:
    """Declare every exchange, handler queue and binding; returns the queue names.

    A queue that exists with other arguments (a classic queue from before the handler queues
    became quorum queues) is replaced when it is empty; holding messages, it is left alone and
    :class:`QueueMismatch` says which one to drain first.
    """
    from amqp.exceptions import PreconditionFailed

    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        for exchange in exchanges():
            exchange(channel).declare()
        names = []
        for queue in all_queues(service_classes):
            try:
                queue(channel).declare()
            except PreconditionFailed as exc:  # the broker closed the channel
                channel = connection.channel()
                _, waiting, consumers = channel.queue_declare(queue.name, passive=True)
                if waiting or consumers:
                    raise QueueMismatch(
                        f"queue {queue.name} exists with other arguments ({exc.reply_text}) and holds "
                        f"{waiting} messages ({consumers} consumers): stop its consumers, drain it, "
                        f"delete it, and apply again") from exc
                channel.queue_delete(queue.name, if_empty=True, if_unused=True)
                queue(channel).declare()
            names.append(queue.name)
        channel.close()
    return names


def dumps(service_classes) -> str:
    return json.dumps(definitions(service_classes), indent=2, ensure_ascii=False) + "\n"


# -- least privilege: one broker user per service ----------------------------------------------

def broker_user(service: str) -> str:
    return f"cocreate-{service}"


def _alternatives(names) -> str:
    return "|".join(re.escape(n) for n in sorted(set(names)))


def permissions(service_cls) -> dict:
    """RabbitMQ permissions (configure, write, read regexes) for one service's own user: its RPC
    queue and reply queues, its handler queues, the RPC exchange, publishing on its own event
    exchange only, binding from the exchanges it listens to, and parking what it cannot apply."""
    from nameko.rpc import RPC_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TEMPLATE

    from ..parking import PARKED_QUEUE
    name = service_cls.name
    queues = [q.name for q in handler_queues(service_cls)]
    rpc_queue = RPC_QUEUE_TEMPLATE.format(name)
    reply = re.escape(RPC_REPLY_QUEUE_TEMPLATE.format(name, "")) + ".*"
    listened = {b.exchange.name for q in handler_queues(service_cls) for b in (q.bindings or [q])}
    own_exchange = events.exchange_for(name)
    own = _alternatives([rpc_queue, *queues, PARKED_QUEUE])
    # declaring a bound queue declares its exchange too (same arguments), hence configure on them
    published = []
    if uses_policy_client(service_cls):
        # the in-process policy client: its own policy.published queues (bound to the rules
        # exchange), and policy.decisions_logged published on the rules exchange
        from .policy import RULES_EXCHANGE, published_queue_pattern
        reply += "|" + re.escape(published_queue_pattern(name)) + ".*"
        listened = {*listened, RULES_EXCHANGE}
        published = [RULES_EXCHANGE]
    configure = f"^({own}|{reply}|{_alternatives(['nameko-rpc', own_exchange, *listened])})$"
    write = f"^({own}|{reply}|{_alternatives(['nameko-rpc', own_exchange, 'amq.default', *published])})$"
    read = f"^({own}|{reply}|{_alternatives(['nameko-rpc', *listened])})$"
    return {"user": broker_user(name), "configure": configure, "write": write, "read": read}


def uses_policy_client(service_cls) -> bool:
    from .policy import Policy
    return any(isinstance(value, Policy) for value in vars(service_cls).values())


def permissions_file(service_classes, vhost: str = "/") -> dict:
    """deploy/rabbitmq/permissions.json: users (passwords come from the environment at import,
    never from this file) and what each may touch."""
    return {"vhost": vhost, "permissions": [permissions(cls) for cls in service_classes]}


def permissions_dumps(service_classes) -> str:
    return json.dumps(permissions_file(service_classes), indent=2, ensure_ascii=False) + "\n"
