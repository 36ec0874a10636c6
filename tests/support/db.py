"""SQLite fixtures for unit tests: a fresh file database with the kernel's and a service's tables."""
import pytest

from services.kernel.db import create_all, make_engine, session_factory


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
