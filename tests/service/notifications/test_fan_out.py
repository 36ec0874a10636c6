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
    service_config = dict(service_config, WEBHOOK_ALLOW_NETWORKS=["127.0.0.0/8"])  # the peer is on loopback
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


def test_a_person_confirms_by_email_then_receives_notices_in_chinese_and_can_unsubscribe(
        container_factory, service_config, tmp_path):
    import re
    from tests.support.smtp_peer import SmtpPeer
    uri = service_config["AMQP_URI"]
    topology.apply(uri, [NotificationsService])
    with SmtpPeer(tmp_path / "maildir") as smtp:
        config = dict(service_config, SMTP={"host": "127.0.0.1", "port": smtp.port, "from": "board@wuguidun.example"},
                      PUBLIC_URL="https://cocreate.county.example")
        container_factory(NotificationsService, config).start()
        with ServiceRpcProxy("notifications", config) as rpc:
            with pytest.raises(ValidationFailed) as err:  # a channel, and only one
                rpc.subscribe({"subscriber": "huang", "patterns": ["good_deed.*"]})
            assert "url" in err.value.detail["fields"]
            sub = rpc.subscribe({"subscriber": "黄远福", "email": "huang@wuguidun.example", "patterns": ["good_deed.*"]})
            assert sub["confirmed"] is False and "signing_secret" in sub and sub["signing_secret"] is None
            [ask] = until(smtp.messages, timeout=20, message="the confirmation mail")
            assert str(make_header(decode_header(ask["Subject"]))) == "共同缔造 公开栏：请确认您的订阅"
            text = ask.get_payload(decode=True).decode("utf-8")
            token = re.search(r"https://cocreate\.county\.example/api/subscriptions/confirm\?token=(\S+)", text).group(1)

            first = publish(uri, "good_deed.verified", deed("help_neighbour"))  # before confirming
            until(lambda: rpc.feed({"limit": 5}), message="the notice on the board")
            assert rpc.subscription(sub["id"])["deliveries"] == {"pending": 1}
            assert len(smtp.messages()) == 1  # nothing but the confirmation before it is confirmed

            assert rpc.confirm({"token": token})["confirmed"] is True
            notice_mail = until(lambda: [m for m in smtp.messages() if m["List-Unsubscribe"]], timeout=20,
                                message="the notice mail after confirming")[0]
            assert notice_mail["To"] == "huang@wuguidun.example" and notice_mail["From"] == "board@wuguidun.example"
            subject = str(make_header(decode_header(notice_mail["Subject"])))
            assert subject.startswith("共同缔造 公示：")
            unsubscribe = f"https://cocreate.county.example/api/subscriptions/unsubscribe?token={token}"
            assert notice_mail["List-Unsubscribe"] == f"<{unsubscribe}>"
            assert notice_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            body = notice_mail.get_payload(decode=True).decode("utf-8")
            assert "好人好事经村干部核实" in body and "help_neighbour" in body
            assert first["data"]["household_id"] in body and unsubscribe in body
            assert "（北京时间）" in body and "+00:00" not in body

            assert rpc.unsubscribe_link({"token": token})["active"] is False
            publish(uri, "good_deed.verified", deed("sweep", 2))
            until(lambda: len(rpc.feed({"limit": 5})) == 2, message="the second notice")
            assert rpc.subscription(sub["id"])["deliveries"] == {"delivered": 1}
            assert len(smtp.messages()) == 2
