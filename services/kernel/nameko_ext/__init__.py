"""nameko glue: the only kernel package that imports nameko.

- :class:`Database`: SQLAlchemy 2 sessions per worker, migrations on start, the outbox relay.
- :func:`api`: an RPC entrypoint that commits the worker's transaction before it replies.
- :func:`on_event`: an event handler that loses nothing and applies nothing twice.
- :class:`Clock`: the injectable time source as a dependency.
"""
from nameko.exceptions import deserialize_to_instance

from ..errors import ALL_ERRORS
from .clock import Clock
from .database import Database
from .entrypoints import api, on_event, queue_for

for _error in ALL_ERRORS:  # so RPC callers get our exceptions back, with their detail
    deserialize_to_instance(_error)

__all__ = ["Clock", "Database", "api", "on_event", "queue_for"]
