"""SQLAlchemy 2 as a nameko DependencyProvider (nameko-sqlalchemy pins SQLAlchemy < 2)."""
from __future__ import annotations

import logging
from datetime import timedelta
from weakref import WeakKeyDictionary

from nameko.extensions import DependencyProvider

from .. import config as kconfig
from .. import events
from ..db import create_all, make_engine, session_factory
from ..migrations import upgrade
from ..outbox import PENDING_KEY
from ..relay import OutboxRelay

log = logging.getLogger(__name__)


class Database(DependencyProvider):
    """Gives each worker its own Session; the service's outbox relay runs beside it.

    The entrypoints in this package commit before they reply or ack; anything else (timers)
    is committed when the worker ends without error, and rolled back when it raises.
    """

    def __init__(self, metadata=None):
        # Without migrations of its own (test doubles, tools) a service passes its metadata
        # and gets its tables created directly.
        self.metadata = metadata

    def setup(self):
        config = self.container.config
        kconfig.refuse_placeholders(config)  # no service starts on deploy/.env.example's change-me
        self.service = self.container.service_name
        self.url = kconfig.database_url(config, self.service)
        if config.get("PUBLIC_URL"):  # every event's dataschema URL starts with it
            events.set_public_url(config["PUBLIC_URL"])
        self.engine = make_engine(self.url)
        if self.metadata is not None:
            create_all(self.engine, self.metadata)
        elif config.get("MIGRATE_ON_START", True):
            upgrade(self.service, self.url)
        self.sessionmaker = session_factory(self.engine)
        retention = config.get("OUTBOX_RETENTION_HOURS", 24)
        self.relay = OutboxRelay(self.sessionmaker, config["AMQP_URI"],
                                 poll_interval=float(config.get("OUTBOX_POLL_INTERVAL", 1.0)),
                                 max_unroutable=int(config.get("OUTBOX_MAX_UNROUTABLE", 8)),
                                 batch_size=int(config.get("OUTBOX_WINDOW", 500)),
                                 retention=None if retention in (None, "", "keep")
                                 else timedelta(hours=float(retention)),
                                 name=f"{self.service}.outbox")
        self.sessions = WeakKeyDictionary()

    def start(self):
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")

    def stop(self):
        self.relay.stop()

    def kill(self):
        self.relay.stop()

    def get_dependency(self, worker_ctx):
        session = self.sessionmaker()
        self.sessions[worker_ctx] = session
        return session

    def session(self, worker_ctx):
        return self.sessions[worker_ctx]

    def commit(self, worker_ctx) -> None:
        session = self.sessions.get(worker_ctx)
        if session is None:
            return
        pending = session.info.pop(PENDING_KEY, 0)
        session.commit()
        if pending:
            self.relay.nudge()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        session = self.sessions.get(worker_ctx)
        if session is None:
            return
        if exc_info is None:
            try:
                self.commit(worker_ctx)
            except Exception:  # noqa: BLE001  nothing is left to report it to
                log.exception("commit failed after %s", worker_ctx.entrypoint.method_name)
                session.rollback()
        else:
            session.rollback()

    def worker_teardown(self, worker_ctx):
        session = self.sessions.pop(worker_ctx, None)
        if session is not None:
            session.close()


def find_database(container) -> Database | None:
    for dependency in container.dependencies:
        if isinstance(dependency, Database):
            return dependency
    return None
