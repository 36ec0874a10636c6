import hashlib
import hmac
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.kernel.errors import ValidationFailed
from services.kernel.nameko_ext import topology
from services.notifications import sharing
from services.notifications.service import NotificationsService
from tests.support.bus import deed, publish
from tests.support.http_peer import Peer
from tests.support.wait import until

pytestmark = pytest.mark.service


def test_an_event_reaches_the_board_and_a_subscribed_county_system(container_factory, service_config, monkeypatch):
    # the peer refuses the first attempt; retry at once rather than after the production backoff
    monkeypatch.setattr(sharing, "RETRY_SCHEDULE", [timedelta(0)] * 3)
    uri = service_config["AMQP_URI"]
    topology.apply(uri, [NotificationsService])
    container = container_factory(NotificationsService, service_config)
    container.start()
    with Peer(fail_first=1) as peer, ServiceRpcProxy("notifications", service_config) as rpc:
        sub = rpc.subscribe({"subscriber": "county-civility-office", "url": peer.url,
                             "patterns": ["good_deed.*"], "secret": "s3cret-key"})
        envelope = publish(uri, "good_deed.verified", deed("help_elderly"))
        feed = until(lambda: rpc.feed({"limit": 5}), message="the notice on the board")
        assert feed[0]["cause_event_id"] == envelope["id"]
        got = until(lambda: peer.received, timeout=20, message="the webhook delivery")
        assert got[0]["body"]["id"] == envelope["id"]
        assert got[0]["headers"]["Content-Type"].startswith("application/cloudevents+json")
        expected = "sha256=" + hmac.new(b"s3cret-key", got[0]["raw"], hashlib.sha256).hexdigest()
        assert got[0]["headers"]["X-Cocreate-Signature"] == expected
        assert until(lambda: rpc.subscription(sub["id"])["deliveries"] == {"delivered": 1},
                     message="delivery recorded")

        with pytest.raises(ValidationFailed) as err:
            rpc.subscribe({"subscriber": "", "url": "not a url", "patterns": []})
        assert set(err.value.detail["fields"]) == {"subscriber", "url", "patterns"}


def test_health_command_reports_whether_the_service_consumes_its_queues(container_factory, service_config):
    from services import cli
    uri = service_config["AMQP_URI"]
    topology.apply(uri, [NotificationsService])
    assert cli.main(["--amqp-uri", uri, "health", "notifications"]) == 1  # declared, nobody consuming
    container_factory(NotificationsService, service_config).start()
    assert cli.main(["--amqp-uri", uri, "health", "notifications"]) == 0


def test_a_person_subscribed_by_email_receives_the_notice(container_factory, service_config, tmp_path):
    from tests.support.smtp_peer import SmtpPeer
    uri = service_config["AMQP_URI"]
    topology.apply(uri, [NotificationsService])
    with SmtpPeer(tmp_path / "maildir") as smtp:
        config = dict(service_config, SMTP={"host": "127.0.0.1", "port": smtp.port, "from": "board@wuguidun.example"})
        container_factory(NotificationsService, config).start()
        with ServiceRpcProxy("notifications", config) as rpc:
            with pytest.raises(ValidationFailed) as err:  # a channel, and only one
                rpc.subscribe({"subscriber": "huang", "patterns": ["good_deed.*"]})
            assert "url" in err.value.detail["fields"]
            rpc.subscribe({"subscriber": "黄远福", "email": "huang@wuguidun.example", "patterns": ["good_deed.*"]})
            envelope = publish(uri, "good_deed.verified", deed("help_neighbour"))
            [message] = until(smtp.messages, timeout=20, message="the email notice")
    assert message["To"] == "huang@wuguidun.example" and message["From"] == "board@wuguidun.example"
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject.startswith("共同缔造 公示: 好人好事")
    body = message.get_payload(decode=True).decode("utf-8")
    assert "good_deed.verified" in body and "help_neighbour" in body and envelope["data"]["household_id"] in body
