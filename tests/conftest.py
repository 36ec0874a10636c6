"""Fixtures shared by every test layer. Unit tests need none of the infrastructure ones."""
from __future__ import annotations

import warnings

with warnings.catch_warnings():  # eventlet announces its own deprecation on import
    warnings.simplefilter("ignore")
    import eventlet

eventlet.monkey_patch()  # as `nameko run` does: services and tests share green threads

# noqa: E402 below

import uuid

import pytest
from sqlalchemy import text

from services.kernel import catalogue  # noqa: F401  (registers every event type)
from services.kernel import config as kconfig
from services.kernel.db import make_engine, normalise_url
from tests.support import infra


@pytest.fixture(scope="session")
def _containers():
    started = []
    yield started
    for container in started:
        container.stop()


@pytest.fixture(scope="session")
def amqp_base_uri(_containers):
    return infra.amqp_base_uri(_containers)


@pytest.fixture(scope="session")
def vhosts(amqp_base_uri):
    return infra.VhostManager(amqp_base_uri)


@pytest.fixture
def amqp_uri(vhosts):
    """A vhost of this test's own on the real broker."""
    uri = vhosts.create()
    yield uri
    vhosts.delete(uri)


@pytest.fixture(scope="session")
def postgres_base_url(_containers):
    return infra.postgres_base_url(_containers)


@pytest.fixture
def postgres_url(postgres_base_url):
    """A database of this test's own on the real PostgreSQL server."""
    name = f"cocreate_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres_base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    from sqlalchemy.engine import make_url
    url = make_url(normalise_url(postgres_base_url)).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def service_config(amqp_uri, tmp_path):
    """config.yaml as a service reads it, on this test's vhost and data directory."""
    config = kconfig.load(environ={})
    config.update({
        "AMQP_URI": amqp_uri,
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URLS": {},
        "RETRY_DELAYS": [0.05, 0.1],
        "OUTBOX_POLL_INTERVAL": 0.1,
    })
    return config


@pytest.fixture(autouse=True)
def fast_teardown():
    """Replaces nameko's, which marks every consumer stopped before the containers stop (to
    survive the vhost vanishing first). Here containers stop before their vhost is deleted,
    and a consumer marked stopped would leave ``container.stop()`` waiting for it forever."""
    yield


@pytest.fixture
def container_factory(amqp_uri):
    """nameko's fixture, reordered: containers stop before their test vhost is deleted."""
    from nameko.containers import get_container_cls

    containers = []

    def make(service_cls, config):
        container = get_container_cls(config)(service_cls, config)
        containers.append(container)
        return container

    yield make
    for container in containers:
        try:
            with eventlet.Timeout(30):
                container.stop()
        except BaseException:  # noqa: BLE001  a container that failed to start, or stuck
            container.kill()
