"""Log lines name their service (``cocreate run`` sets COCREATE_SERVICE for each process), so one
terminal of interleaved services stays readable. Used from config.yaml's LOGGING."""
from __future__ import annotations

import logging
import os


class ServiceName(logging.Filter):
    def __init__(self):
        super().__init__()
        self.service = os.environ.get("COCREATE_SERVICE", "cocreate")

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        return True
