"""The event catalogue: every event type on the bus, declared once with its schema.

One module per area; each owns the events its service publishes. Importing this package
registers them all, so ``events.get(name)`` and ``events.all_types()`` see the whole catalogue.
"""
from ..events import all_types, get  # noqa: F401
from . import planning, building, evaluation, policy, sharing, management  # noqa: F401  (registration)
