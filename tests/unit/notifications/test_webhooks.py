"""Standard Webhooks signing (verified with the spec's own library) and where webhooks may point."""
import json
import socket
import time
from datetime import datetime, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifications import addresses, webhooks
from services.notifications.channels import next_digest

ENVELOPE = {"id": "6f1c2b9e-1", "type": "cn.cocreate.good_deed.verified", "data": {"deed_code": "扫雪"}}


def test_signature_verifies_with_the_standard_webhooks_library():
    secret = webhooks.new_secret()
    body = json.dumps(ENVELOPE, ensure_ascii=False).encode("utf-8")
    headers = webhooks.headers_for(ENVELOPE, body, secret)
    assert headers["webhook-id"] == ENVELOPE["id"]  # the event id: the same on every retry
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers) == ENVELOPE
    with pytest.raises(WebhookVerificationError):  # a changed body
        Webhook(secret).verify(body.replace("扫雪".encode(), "扫地".encode()), headers)
    with pytest.raises(WebhookVerificationError):  # another secret
        Webhook(webhooks.new_secret()).verify(body, headers)
    stale = webhooks.headers_for(ENVELOPE, body, secret, now=time.time() - 3600)
    with pytest.raises(WebhookVerificationError):  # outside the receiver's replay window
        Webhook(secret).verify(body, stale)


def test_a_plain_passphrase_becomes_a_whsec_secret_that_verifies_the_same_way():
    secret = webhooks.normalise_secret("s3cret-key")
    assert secret.startswith("whsec_") and webhooks.key_bytes(secret) == b"s3cret-key"
    body = b'{"id": "x"}'
    headers = webhooks.headers_for({"id": "x"}, body, secret)
    Webhook(secret).verify(body, headers)
    assert webhooks.normalise_secret(secret) == secret
    assert webhooks.normalise_secret(None).startswith("whsec_")
    with pytest.raises(ValueError):
        webhooks.normalise_secret("whsec_not base64!")


def _resolver(*ips):
    def resolve(host, port, type=None):
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, type, 6, "", (ip, port)) for ip in ips]
    return resolve


@pytest.mark.parametrize("ip, why", [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.1.10", "private"),
    ("172.16.0.5", "private"), ("169.254.169.254", "metadata"), ("100.100.100.200", "metadata"),
    ("169.254.10.1", "link-local"), ("::1", "loopback"), ("fd00:ec2::254", "metadata"),
    ("100.64.0.1", "not a public"), ("0.0.0.0", "unspecified"), ("::ffff:127.0.0.1", "loopback"),
])
def test_internal_addresses_are_refused(ip, why):
    with pytest.raises(addresses.Refused) as err:
        addresses.check("https://receiver.example/hook", resolve=_resolver(ip))
    assert why in str(err.value)


def test_public_addresses_pass_and_every_resolved_address_must():
    assert addresses.check("https://county.example/hook", resolve=_resolver("61.135.169.9")) == ["61.135.169.9"]
    with pytest.raises(addresses.Refused):  # one private answer among public ones is enough
        addresses.check("https://county.example/hook", resolve=_resolver("61.135.169.9", "10.0.0.1"))


def test_the_operator_allow_list_admits_a_named_internal_network():
    allow = ["10.20.0.0/16"]
    assert addresses.check("http://gov-lan.example/hook", allow, resolve=_resolver("10.20.3.4"))
    with pytest.raises(addresses.Refused):
        addresses.check("http://gov-lan.example/hook", allow, resolve=_resolver("10.21.3.4"))
    assert addresses.check("http://127.0.0.1:8080/hook", ["127.0.0.0/8"]) == ["127.0.0.1"]
    with pytest.raises(ValueError):
        addresses.networks(["not-a-network"])
    assert [str(n) for n in addresses.networks("127.0.0.0/8, 10.20.0.0/16")] == ["127.0.0.0/8", "10.20.0.0/16"]
    assert addresses.networks("") == addresses.networks(None) == []


@pytest.mark.parametrize("url", ["ftp://county.example/x", "http://user:pw@county.example/",
                                 "http:///nohost", "http://does-not-resolve.invalid/hook"])
def test_malformed_or_unresolvable_urls_are_refused(url):
    with pytest.raises(addresses.Refused):
        addresses.check(url)


def test_digests_go_out_at_eight_in_the_morning_beijing_time():
    # 2026-06-05 09:00 UTC is 17:00 in Beijing, a Friday
    after = datetime(2026, 6, 5, 9, 0, tzinfo=timezone.utc)
    daily = next_digest(after, "daily")
    assert daily.isoformat() == "2026-06-06T08:00:00+08:00"
    weekly = next_digest(after, "weekly")
    assert weekly.isoformat() == "2026-06-08T08:00:00+08:00" and weekly.weekday() == 0
    early = datetime(2026, 6, 4, 23, 0, tzinfo=timezone.utc)  # 07:00 Beijing on the 5th
    assert next_digest(early, "daily").isoformat() == "2026-06-05T08:00:00+08:00"
