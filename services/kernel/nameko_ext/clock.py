"""The time a service's workers see, as a dependency: tests swap in a FixedClock
(``replace_dependencies(container, clock=...)`` or by setting ``.clock`` on the provider)."""
from nameko.extensions import DependencyProvider

from ..clock import SystemClock


class Clock(DependencyProvider):
    def __init__(self, clock=None):
        self.clock = clock or SystemClock()

    def get_dependency(self, worker_ctx):
        return self.clock
