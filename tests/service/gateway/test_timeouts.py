"""A service that is down must not hang the gateway: its RPC queue outlives it (durable), so a
call is accepted by the broker and would wait for a reply forever, holding a worker each time.
And a write answered 504 must not happen later: the request expires in the queue."""
import socket

import pytest
import requests

from services.gateway.service import GatewayService
from services.identity.service import IdentityService
from services.kernel.nameko_ext import topology
from services.notifications.service import NotificationsService
from tests.support.identity import caller
from tests.support.wait import until

pytestmark = pytest.mark.service


def test_a_stopped_service_answers_504_and_the_gateway_stays_up(container_factory, service_config):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = dict(service_config, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", GATEWAY_RPC_TIMEOUT=1,
                  WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8")  # the subscriptions below point at loopback
    web = f"http://127.0.0.1:{port}"
    topology.apply(config["AMQP_URI"], [NotificationsService, IdentityService])
    notifications = container_factory(NotificationsService, config)
    notifications.start()
    container_factory(IdentityService, config).start()
    container_factory(GatewayService, config).start()
    county = caller(web, config, "integration", "county:*")  # subscriptions need an identity
    assert requests.get(f"{web}/api/board/feed", timeout=10).status_code == 200

    notifications.stop()
    down = requests.get(f"{web}/api/board/feed", timeout=10)  # a hang fails here, not a stopwatch
    assert down.status_code == 504 and down.json()["error"] == "service_timeout"
    assert "notifications" in down.json()["message"]
    page = requests.get(web + "/", timeout=10)
    assert page.status_code == 200 and "feed unavailable" in page.text
    assert requests.get(f"{web}/healthz", timeout=10).status_code == 200

    # a write while the service is down: 504, and it does not happen when the service returns
    lost = county.post(f"{web}/api/subscriptions", timeout=10, json={
        "subscriber": "county-late", "url": "http://127.0.0.1:9/hook", "patterns": ["notice.*"]})
    assert lost.status_code == 504
    container_factory(NotificationsService, config).start()
    made = county.post(f"{web}/api/subscriptions", timeout=10, json={
        "subscriber": "county-now", "url": "http://127.0.0.1:9/hook", "patterns": ["notice.*"]})
    assert made.status_code == 201, made.text
    assert _subscribers(config) == ["county-now"]


def _waiting(amqp_uri, queue) -> int:
    from kombu import Connection
    with Connection(amqp_uri) as connection:
        return connection.channel().queue_declare(queue, passive=True)[1]


def _subscribers(config) -> list[str]:
    from sqlalchemy import text

    from services.kernel.config import database_url
    from services.kernel.db import make_engine
    engine = make_engine(database_url(config, "notifications"))
    with engine.connect() as connection:
        names = [row[0] for row in connection.execute(text("SELECT subscriber FROM subscription"))]
    engine.dispose()
    return names


def test_healthz_answers_while_every_worker_waits_on_a_slow_call(container_factory, service_config):
    """/healthz takes no worker: a gateway whose one worker is stuck still says it is alive."""
    import threading
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = dict(service_config, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", GATEWAY_RPC_TIMEOUT=30,
                  max_workers=1)
    web = f"http://127.0.0.1:{port}"
    topology.apply(config["AMQP_URI"], [NotificationsService])
    notifications = container_factory(NotificationsService, config)
    notifications.start()
    container_factory(GatewayService, config).start()
    notifications.stop()  # its RPC queue stays: a call waits for GATEWAY_RPC_TIMEOUT
    slow = threading.Thread(target=requests.get, args=(f"{web}/api/board/feed",), kwargs={"timeout": 60})
    slow.start()
    until(lambda: _waiting(config["AMQP_URI"], "rpc-notifications"), message="the slow call in the queue")
    health = requests.get(f"{web}/healthz", timeout=60)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert slow.is_alive(), "/healthz waited for the slow call's worker"
    slow.join()
