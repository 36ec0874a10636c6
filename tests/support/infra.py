"""Real infrastructure for the service and integration layers.

The RabbitMQ and PostgreSQL to use come from the environment (``COCREATE_TEST_AMQP_URI``,
``COCREATE_TEST_POSTGRES_URL``; ``make test`` sets both to this machine's localhost services).
Where neither is set and a Docker engine answers, testcontainers starts them. Otherwise the
test fails and says what to start: it never passes without the real thing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import requests
from kombu import Connection

AMQP_ENV = "COCREATE_TEST_AMQP_URI"
PG_ENV = "COCREATE_TEST_POSTGRES_URL"
MGMT_ENV = "COCREATE_TEST_RABBIT_MGMT"


def _docker_available() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def amqp_base_uri(request_containers: list) -> str:
    uri = os.environ.get(AMQP_ENV)
    if not uri and _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer
        container = RabbitMqContainer("rabbitmq:3.13-management")
        container.start()
        request_containers.append(container)
        uri = (f"amqp://guest:guest@{container.get_container_host_ip()}:"
               f"{container.get_exposed_port(5672)}/")
        os.environ[MGMT_ENV] = (f"http://guest:guest@{container.get_container_host_ip()}:"
                                f"{container.get_exposed_port(15672)}")
    if not uri:
        pytest.fail(f"No RabbitMQ for this test: set {AMQP_ENV} (e.g. amqp://guest:guest@127.0.0.1:5672/) "
                    "and start RabbitMQ ('rabbitmq-server -detached'), or run where a Docker engine is.",
                    pytrace=False)
    try:
        with Connection(uri, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"RabbitMQ at {AMQP_ENV}={uri} does not answer ({exc}): start it "
                    "('rabbitmq-server -detached') or point the variable at one.", pytrace=False)
    return uri


def postgres_base_url(request_containers: list) -> str:
    url = os.environ.get(PG_ENV)
    if not url and _docker_available():
        from testcontainers.postgres import PostgresContainer
        container = PostgresContainer("postgres:16", driver="pg8000")
        container.start()
        request_containers.append(container)
        url = container.get_connection_url()
    if not url:
        pytest.fail(f"No PostgreSQL for this test: set {PG_ENV} (e.g. "
                    "postgresql+pg8000://postgres@127.0.0.1:5432/test) and start PostgreSQL.",
                    pytrace=False)
    return url


def _with_vhost(uri: str, vhost: str) -> str:
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, ""))


class VhostManager:
    """Creates a throwaway vhost: through the management API, else rabbitmqctl on this host."""

    def __init__(self, base_uri: str):
        self.base_uri = base_uri
        parts = urlsplit(base_uri)
        self.user = parts.username or "guest"
        self.mgmt = os.environ.get(MGMT_ENV) or f"http://{parts.username or 'guest'}:{parts.password or 'guest'}@{parts.hostname}:15672"
        self._use_http = self._http_ok()

    def _http_ok(self) -> bool:
        try:
            return requests.get(self.mgmt + "/api/overview", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _ctl(self, *args):
        if not shutil.which("rabbitmqctl"):
            pytest.fail("Cannot make a test vhost: no RabbitMQ management API at "
                        f"{self.mgmt} and no rabbitmqctl here. Enable the management plugin "
                        f"or set {MGMT_ENV}.", pytrace=False)
        subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True)

    def create(self) -> str:
        vhost = f"cocreate-test-{uuid.uuid4().hex[:10]}"
        if self._use_http:
            requests.put(f"{self.mgmt}/api/vhosts/{quote(vhost, safe='')}", timeout=10).raise_for_status()
            requests.put(f"{self.mgmt}/api/permissions/{quote(vhost, safe='')}/{self.user}",
                         json={"configure": ".*", "write": ".*", "read": ".*"}, timeout=10).raise_for_status()
        else:
            self._ctl("add_vhost", vhost)
            self._ctl("set_permissions", "-p", vhost, self.user, ".*", ".*", ".*")
        return _with_vhost(self.base_uri, vhost)

    def queue_type(self, uri: str, name: str) -> str:
        """``classic`` or ``quorum``: what the broker made of a declared queue."""
        vhost = urlsplit(uri).path.lstrip("/") or "/"
        if self._use_http:
            answer = requests.get(f"{self.mgmt}/api/queues/{quote(vhost, safe='')}/{quote(name, safe='')}",
                                  timeout=10)
            answer.raise_for_status()
            return answer.json()["type"]
        listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type"],
                                 check=True, capture_output=True, text=True).stdout
        types = dict(line.split("\t")[:2] for line in listing.splitlines() if "\t" in line)
        return types[name]

    def queue_depths(self, uri: str) -> dict[str, tuple[int, int]]:
        """``{queue: (ready, unacknowledged)}`` for every queue of the vhost: whether its
        consumers have applied everything sent so far."""
        vhost = urlsplit(uri).path.lstrip("/") or "/"
        if self._use_http:
            answer = requests.get(f"{self.mgmt}/api/queues/{quote(vhost, safe='')}", timeout=30)
            answer.raise_for_status()
            return {q["name"]: (q.get("messages_ready", 0), q.get("messages_unacknowledged", 0))
                    for q in answer.json()}
        listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "messages_ready",
                                  "messages_unacknowledged"], check=True, capture_output=True, text=True).stdout
        depths = {}
        for line in listing.splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[1].isdigit():
                depths[parts[0]] = (int(parts[1]), int(parts[2]))
        return depths

    def delete(self, uri: str) -> None:
        vhost = urlsplit(uri).path.lstrip("/")
        if self._use_http:
            requests.delete(f"{self.mgmt}/api/vhosts/{vhost}", timeout=10)
        else:
            self._ctl("delete_vhost", vhost)
