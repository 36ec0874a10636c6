"""The gateway's identity: OIDC bearer JWTs checked against a JWKS served on loopback (keys made
here, rotated mid-test), API tokens from the identity service, and rate limits answered 429."""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from services.gateway.service import GatewayService
from services.identity.service import IdentityService
from services.kernel.nameko_ext import topology
from services.notifications.service import NotificationsService
from tests.support.identity import caller

pytestmark = pytest.mark.service

ISSUER = "https://idp.county.example/realms/cocreate"
AUDIENCE = "cocreate"


class Jwks:
    """A real HTTP JWKS endpoint on loopback, like Keycloak's ``/protocol/openid-connect/certs``."""

    def __init__(self):
        self.keys: dict[str, object] = {}
        self.fetches = 0
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                jwks.fetches += 1
                body = json.dumps({"keys": [
                    {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": kid,
                     "use": "sig", "alg": "RS256"} for kid, key in jwks.keys.items()]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/certs"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def new_key(self, kid: str):
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self.keys[kid]

    def token(self, kid: str, key=None, **claims) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-1234", "iat": now, "exp": now + 300,
                "cocreate_role": "village_cadre", "cocreate_scopes": ["village:v-wgd"], **claims}
        return jwt.encode(body, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def jwks():
    server = Jwks()
    server.new_key("k1")
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def web(container_factory, service_config, jwks):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = dict(service_config, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
                  OIDC={"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": jwks.url,
                        "role_claim": "cocreate_role", "scope_claim": "cocreate_scopes",
                        "refetch_cooldown": 0},
                  RATE_LIMITS={"identified": "6/minute", "anonymous": "4/minute"},
                  AUTH={"cache_seconds": 0})
    topology.apply(config["AMQP_URI"], [NotificationsService, IdentityService])
    for cls in (NotificationsService, IdentityService, GatewayService):
        container_factory(cls, config).start()
    return f"http://127.0.0.1:{port}"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_an_oidc_jwt_is_verified_against_the_providers_keys(web, jwks):
    cadre = jwks.token("k1")
    # admitted: the route's roles include a village cadre; the subscription does not exist
    assert requests.get(f"{web}/api/subscriptions/999", headers=bearer(cadre)).status_code == 404
    resident = jwks.token("k1", cocreate_role="resident", cocreate_scopes="household:h-1")
    refused = requests.post(f"{web}/api/points/approvals", json={}, headers=bearer(resident))
    assert refused.status_code == 403 and refused.json()["allowed_roles"] == ["village_cadre"]

    for bad in [jwks.token("k1", aud="someone-else"), jwks.token("k1", iss="https://evil.example"),
                jwks.token("k1", exp=int(time.time()) - 3600),
                jwks.token("k1", key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
                cadre[:-6] + "AAAAAA"]:
        answer = requests.get(f"{web}/api/subscriptions/999", headers=bearer(bad))
        assert answer.status_code == 401 and answer.json()["error"] == "unauthenticated", answer.text
    claims_refused = requests.get(f"{web}/api/subscriptions/999",
                                  headers=bearer(jwks.token("k1", cocreate_role="emperor")))
    assert claims_refused.status_code == 403


def test_a_rotated_key_is_fetched_and_keys_are_cached(web, jwks):
    assert requests.get(f"{web}/api/subscriptions/999", headers=bearer(jwks.token("k1"))).status_code == 404
    fetched = jwks.fetches
    assert requests.get(f"{web}/api/subscriptions/998", headers=bearer(jwks.token("k1"))).status_code == 404
    assert jwks.fetches == fetched, "a known key is served from the cache"
    jwks.new_key("k2")  # the provider rotates: new tokens carry kid k2
    del jwks.keys["k1"]
    assert requests.get(f"{web}/api/subscriptions/999", headers=bearer(jwks.token("k2"))).status_code == 404
    assert jwks.fetches > fetched


def test_rate_limits_per_address_and_per_token_answer_429_with_retry_after(web, service_config):
    answers = [requests.get(f"{web}/api/board/feed") for _ in range(5)]
    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert answers[4].status_code == 429 and answers[4].json()["error"] == "rate_limited"
    assert 1 <= int(answers[4].headers["Retry-After"]) <= 60
    # an identified caller has a budget of its own, not the address's
    cadre = caller(web, service_config, "village_cadre", "village:v-1")
    statuses = [cadre.get(f"{web}/api/subscriptions/999").status_code for _ in range(7)]
    assert statuses[:6] == [404] * 6 and statuses[6] == 429
