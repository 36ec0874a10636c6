"""SQLite fixtures for unit tests: a fresh file database with the kernel's and a service's tables."""
import json

import pytest
from sqlalchemy import select

from services.kernel.db import create_all, make_engine, outbox_table, session_factory


def session_fixtures(*metadatas):
    """``engine, session = session_fixtures(Base.metadata)`` in a conftest or test module."""

    @pytest.fixture
    def engine(tmp_path):
        engine = make_engine(f"sqlite:///{tmp_path / 'unit.sqlite'}")
        create_all(engine, *metadatas)
        yield engine
        engine.dispose()

    @pytest.fixture
    def session(engine):
        with session_factory(engine)() as session:
            yield session

    return engine, session


def emitted(session, name=None):
    """Events stored in the outbox, in order: [(name, data)]."""
    rows = session.execute(select(outbox_table.c.event_type, outbox_table.c.body)
                           .order_by(outbox_table.c.id)).all()
    return [(t, json.loads(b)["data"]) for t, b in rows if name is None or t == name]
