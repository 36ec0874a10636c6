"""nameko glue of the rules service: the policy book every worker shares, and a timer whose
interval comes from the config."""
from __future__ import annotations

import logging

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from .engine import PolicyBook, rules_dir

log = logging.getLogger(__name__)


class Policies(DependencyProvider):
    """One PolicyBook per container, loaded at start: a service with broken files does not start."""

    def setup(self):
        self.book = PolicyBook(rules_dir(self.container.config))

    def get_dependency(self, worker_ctx):
        return self.book


class ConfigTimer(Timer):
    """``@timer`` whose interval is read from the config key ``key`` (0 or less: never fires)."""

    def __init__(self, key: str, default: float, **kwargs):
        self.key = key
        self.default = default
        super().__init__(default, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get(self.key, self.default))
        super().setup()

    def start(self):
        self.started = self.interval > 0
        if self.started:
            super().start()

    def stop(self):
        if getattr(self, "started", False):
            super().stop()

    def kill(self):
        if getattr(self, "started", False):
            super().kill()


config_timer = ConfigTimer.decorator
