"""nameko glue: the only kernel package that imports nameko.

- :class:`Database`: SQLAlchemy 2 sessions per worker, migrations on start, the outbox relay.
- :func:`api`: an RPC entrypoint that commits the worker's transaction before it replies.
- :func:`on_event`: an event handler that loses nothing and applies nothing twice.
- :class:`Clock`: the injectable time source as a dependency.
- :class:`Policy`: the policy port, the published rules in-process (RPC to rules until loaded).
- :class:`Caller`: the caller's Principal (services.kernel.identity), carried from the gateway.
"""
from nameko.exceptions import deserialize_to_instance

from ..errors import ALL_ERRORS
from ..identity import Forbidden, Unauthenticated
from .clock import Clock
from .database import Database
from .entrypoints import api, on_event, queue_for
from .identity import Caller
from .policy import Policy

for _error in [*ALL_ERRORS, Unauthenticated, Forbidden]:  # so RPC callers get our exceptions back, with their detail
    deserialize_to_instance(_error)

__all__ = ["Caller", "Clock", "Database", "Policy", "api", "on_event", "queue_for"]
