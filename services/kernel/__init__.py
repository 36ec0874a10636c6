"""The shared kernel: the plumbing every cocreate service stands on.

Plain modules (no nameko import): ``config``, ``errors``, ``events``, ``catalogue``, ``db``,
``outbox``, ``idempotency``, ``clock``, and the vocabulary every service speaks: ``money``
(yuan, integer fen in the database), ``ids``, ``periods`` (Asia/Shanghai keys such as
``2026Q4``), ``types`` (column types), ``fields`` (marshmallow fields and the ``Input`` base)
and ``policy`` (the one client of the policy port). The nameko glue lives in
``services.kernel.nameko_ext``.
"""
from . import messages  # noqa: E402,F401  Chinese-first validation messages for every service
