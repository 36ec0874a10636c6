"""Log lines name their service (``cocreate run`` sets COCREATE_SERVICE for each process), so one
terminal of interleaved services stays readable. Used from config.yaml's LOGGING."""
from __future__ import annotations

import logging
import os

from marshmallow import ValidationError


class ServiceName(logging.Filter):
    def __init__(self):
        super().__init__()
        self.service = os.environ.get("COCREATE_SERVICE", "cocreate")

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        return True


class Refusals(logging.Filter):
    """A refusal the caller is told about (a 4xx: invalid input, not found, out of scope) is not
    a fault of ours: nameko logs it as an ERROR with a traceback; here it becomes one INFO line
    with the method and the error code only. The message is left out because it may quote what
    the caller sent (a name, an ID number): logs carry ids, never personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        status = 400 if isinstance(exc, ValidationError) else getattr(exc, "http_status", 500)
        if record.name == "nameko.containers" and exc is not None and status < 500 and record.args:
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args = "refused %s: %s (%s)", (record.args[0], getattr(exc, "code", "error"), status)
            record.exc_info = record.exc_text = None
        return True
