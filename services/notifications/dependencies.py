"""nameko glue of the notifications service: the delivery lanes as a dependency."""
from __future__ import annotations

from functools import partial

from nameko.extensions import DependencyProvider

from services.kernel import events
from services.kernel.clock import SystemClock
from services.kernel.nameko_ext.database import find_database

from .channels import channels
from .lanes import Lanes


class DeliveryLanes(DependencyProvider):
    """One Lanes per container; lanes run as managed threads, so stopping the service ends them."""

    lanes: Lanes | None = None

    def _make(self) -> Lanes:
        config = self.container.config
        public_url = config.get("PUBLIC_URL") or events.DEFAULT_PUBLIC_URL
        return Lanes(find_database(self.container).sessionmaker, channels(config, public_url),
                     spawn=lambda fn, *args: self.container.spawn_managed_thread(partial(fn, *args)),
                     now=SystemClock().now, max_lanes=int(config.get("WEBHOOK_MAX_LANES") or 1000))

    def get_dependency(self, worker_ctx):
        if self.lanes is None:
            self.lanes = self._make()
        return self.lanes
