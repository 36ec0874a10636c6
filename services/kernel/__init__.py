"""The shared kernel: the plumbing every cocreate service stands on.

Plain modules (no nameko import): ``config``, ``errors``, ``events``, ``catalogue``, ``db``,
``outbox``, ``idempotency``, ``clock``. The nameko glue lives in ``services.kernel.nameko``.
"""
from . import messages  # noqa: E402,F401  Chinese-first validation messages for every service
