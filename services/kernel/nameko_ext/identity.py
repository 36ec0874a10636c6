"""The caller's Principal in nameko's worker context.

The gateway verifies the caller and stores the Principal in its worker's context data
(:func:`carry`); nameko copies context data into the headers of every RPC made from that
worker, and the called service's ``Caller`` dependency reads it back. RPC signatures stay
as they are. Only services on the broker can set the header, and each service has a broker
user of its own (deploy/rabbitmq), so a caller outside cannot forge it.
"""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from ..identity import Principal

CONTEXT_KEY = "cocreate_principal"   # travels as the AMQP header ``nameko.cocreate_principal``
INTENT_KEY = "cocreate_intent"       # "read" (an HTTP GET) or "write"


def carry(worker_ctx, principal: Principal | None, read: bool = False) -> None:
    """Every RPC made by this worker from now on acts as ``principal`` (None: anonymous).
    A read's list results are filtered to the caller's reach; a write touching anything out
    of reach is refused whole."""
    if principal is None:
        worker_ctx.data.pop(CONTEXT_KEY, None)
    else:
        worker_ctx.data[CONTEXT_KEY] = principal.dumps()
    worker_ctx.data[INTENT_KEY] = "read" if read else "write"


def is_read(worker_ctx) -> bool:
    return worker_ctx.data.get(INTENT_KEY) == "read"


def principal_of(worker_ctx) -> Principal | None:
    return Principal.loads(worker_ctx.data.get(CONTEXT_KEY))


def principal_of_headers(context_data: dict) -> Principal | None:
    return Principal.loads(context_data.get(CONTEXT_KEY))


class Caller(DependencyProvider):
    """``self.caller``: the Principal who called this worker, or None (anonymous, or an event)."""

    def get_dependency(self, worker_ctx):
        return principal_of(worker_ctx)
