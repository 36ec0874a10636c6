"""The queues every handler needs, declared at deploy time so no event is dropped as unroutable.

From the services' ``on_event`` handlers this module derives the exchanges, queues and
bindings; ``definitions`` renders them as a RabbitMQ definitions file (loaded by compose) and
``apply`` declares them over AMQP (``make run``). Both use the same Queue objects as the
handlers themselves, so the two never disagree.
"""
from __future__ import annotations

import json
from importlib import import_module

from kombu import Connection
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
    return [(queue.exchange.name, queue.routing_key)]


def definitions(service_classes, vhost: str = "/") -> dict:
    queues = [q for cls in service_classes for q in handler_queues(cls)] + [parked_queue()]
    return {
        "exchanges": [{"name": x.name, "vhost": vhost, "type": x.type, "durable": True,
                       "auto_delete": False, "internal": False, "arguments": {}}
                      for x in exchanges()],
        "queues": [{"name": q.name, "vhost": vhost, "durable": True, "auto_delete": False,
                    "arguments": {}} for q in queues],
        "bindings": [{"source": exchange, "vhost": vhost, "destination": q.name,
                      "destination_type": "queue", "routing_key": key, "arguments": {}}
                     for q in queues if q.name != parked_queue().name
                     for exchange, key in _bindings(q)],
    }


def apply(amqp_uri: str, service_classes) -> list[str]:
    """Declare every exchange, handler queue and binding; returns the queue names."""
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        for exchange in exchanges():
            exchange(channel).declare()
        names = []
        for queue in [q for cls in service_classes for q in handler_queues(cls)] + [parked_queue()]:
            queue(channel).declare()
            names.append(queue.name)
        channel.close()
    return names


def dumps(service_classes) -> str:
    return json.dumps(definitions(service_classes), indent=2, ensure_ascii=False) + "\n"
