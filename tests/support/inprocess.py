"""In one process: the gateway, the identity service and every domain service as real nameko
containers on the real broker, on a vhost and data directory of their own (integration tests;
tests/support/stack.py starts them as separate processes for tests/e2e)."""
from __future__ import annotations

import shutil
import socket
from contextlib import contextmanager
from pathlib import Path

import eventlet

from services.kernel import config as kconfig
from services.kernel.nameko_ext import topology

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_classes():
    from services.contributions.service import ContributionsService
    from services.identity.service import IdentityService
    from services.notifications.service import NotificationsService
    from services.proposals.service import ProposalsService
    from services.rules.service import RulesService
    from services.scoring.service import ScoringService
    return [RulesService, IdentityService, ProposalsService, ContributionsService, ScoringService,
            NotificationsService]


@contextmanager
def running_stack(vhosts, tmp: Path, **overrides):
    """Yields (base_url, config) with every service and the gateway started."""
    from nameko.containers import get_container_cls

    from services.gateway.service import GatewayService
    rules_dir = tmp / "rules"  # a snapshot: edits to rules/ elsewhere do not reload mid-test
    shutil.copytree(ROOT / "rules", rules_dir)
    uri = vhosts.create()
    port = free_port()
    config = kconfig.load(environ={})
    config.update({
        "AMQP_URI": uri, "DATA_DIR": str(tmp / "data"), "DATABASE_URLS": {},
        "RULES_DIR": str(rules_dir), "RETRY_DELAYS": [0.05, 0.1], "OUTBOX_POLL_INTERVAL": 0.1,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "AUTH": {"cache_seconds": 0.5},
        "RATE_LIMITS": {"enabled": True, "identified": "100000/minute", "anonymous": "100000/minute"},
    })
    config.update(overrides)
    classes = service_classes()
    topology.apply(uri, classes)
    containers = []
    try:
        for cls in [*classes, GatewayService]:
            container = get_container_cls(config)(cls, config)
            containers.append(container)
            container.start()
        yield f"http://127.0.0.1:{port}", config
    finally:
        for container in reversed(containers):
            try:
                with eventlet.Timeout(30):
                    container.stop()
            except BaseException:  # noqa: BLE001  one that failed to start, or stuck
                container.kill()
        vhosts.delete(uri)
