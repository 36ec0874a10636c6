"""nameko glue of the rules service: the published policy book every worker shares (with the
decision log), and a timer whose interval comes from the config."""
from __future__ import annotations

import logging
import threading

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from pathlib import Path

from sqlalchemy.exc import IntegrityError

from services.kernel.db import utcnow
from services.kernel.nameko_ext.database import find_database

from . import publishing
from .decisions import LoggedBook
from .engine import PolicyBook, rules_dir
from .loader import RulesInvalid, decode, policy_files

log = logging.getLogger(__name__)


class Policies(DependencyProvider):
    """One PolicyBook per container, loaded at start from the PUBLISHED versions in the
    service's database (never from the folder). An empty history first publishes the rules
    folder as the initial versions; a service whose published set does not load does not start.

    Each worker gets the book wrapped in a :class:`LoggedBook`: its decisions are stored in the
    worker's transaction (the decision log)."""

    def setup(self):
        self.database = find_database(self.container)
        if self.database is None:
            raise RuntimeError("the rules service needs its Database dependency")
        # nameko starts every extension at once: a worker arriving before the book is loaded
        # waits for it (the database is migrated by then: every setup ends before any start).
        self.ready = threading.Event()

    def start(self):
        sessionmaker = self.database.sessionmaker
        with sessionmaker() as session:
            try:
                folder = rules_dir(self.container.config)
                initial = publishing.publish_initial(session, folder_texts(folder), utcnow(), folder_cases(folder))
                session.commit()
            except IntegrityError:  # another replica published them first
                session.rollback()
                initial = None
        if initial:
            log.info("empty history: published %d rule files from the folder as initial versions",
                     len(initial["files"]))
        self.book = PolicyBook(source=publishing.PublishedSource(sessionmaker))
        self.ready.set()

    def stop(self):
        book = getattr(self, "book", None)
        if book is not None:
            book.close()

    def get_dependency(self, worker_ctx):
        self.ready.wait()
        database = self.database
        return LoggedBook(self.book, lambda: database.sessions.get(worker_ctx), utcnow)


def folder_texts(directory: Path) -> dict[str, str]:
    """The policy files of a folder as texts (the service's first start only)."""
    texts = {}
    for path in policy_files(directory):
        text, problems = decode(path.read_bytes(), path.name)
        if problems:
            raise RulesInvalid(problems)
        texts[path.name] = text
    return texts


def folder_cases(directory: Path) -> dict[str, str]:
    """The staff's case files of a folder (``tests/<area>.yaml``) as texts; unreadable ones are left out."""
    texts = {}
    for path in sorted((directory / "tests").glob("*.yaml")):
        text, problems = decode(path.read_bytes(), path.name)
        if not problems:
            texts[path.name] = text
    return texts


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
