"""Delivering an event to a subscriber's URL: CloudEvents over HTTP (structured mode), signed
per the Standard Webhooks specification (https://www.standardwebhooks.com/), so a county
system verifies it with one of that project's published libraries:

    webhook-id:        the event id: the same on every retry, receivers deduplicate on it
    webhook-timestamp: Unix seconds of this attempt; receivers refuse ones outside their window
    webhook-signature: v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>", key = whsec_ secret>

The older ``X-Cocreate-Signature: sha256=<hex HMAC of the body>`` is still sent, for receivers
written against it. Redirects are never followed (a 3xx is a failed attempt), and the address is
checked against private ranges before every attempt (``addresses``).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

import requests

from . import addresses

TIMEOUT = 10  # seconds: connect and read; a slower receiver only delays its own lane
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def normalise_secret(secret: str | None) -> str:
    """A subscriber's secret in Standard Webhooks form: ``whsec_`` + base64 of the key bytes.

    A plain passphrase (the older API) becomes the key as its UTF-8 bytes; none gives a new one.
    """
    if not secret:
        return new_secret()
    if secret.startswith(SECRET_PREFIX):
        base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)  # raises on a broken one
        return secret
    return SECRET_PREFIX + base64.b64encode(secret.encode("utf-8")).decode()


def key_bytes(secret: str) -> bytes:
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX):])
    return secret.encode("utf-8")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def legacy_sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(key_bytes(secret), body, hashlib.sha256).hexdigest()


def headers_for(envelope: dict, body: bytes, secret: str | None, now: float | None = None) -> dict:
    msg_id = str(envelope["id"])
    timestamp = int(now if now is not None else time.time())
    headers = {"Content-Type": "application/cloudevents+json; charset=utf-8",
               "webhook-id": msg_id, "webhook-timestamp": str(timestamp),
               "User-Agent": "cocreate-webhooks/1"}
    if secret:
        headers["webhook-signature"] = sign(secret, msg_id, timestamp, body)
        headers["X-Cocreate-Signature"] = legacy_sign(secret, body)
    return headers


def post(url: str, envelope: dict, secret: str | None = None, *, allow=(),
         timeout: float = TIMEOUT) -> str | None:
    """POST the event; returns None when the peer took it (2xx), else the reason."""
    try:
        addresses.check(url, allow)
    except addresses.Refused as exc:
        return f"refused: {exc}"
    body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
    try:
        response = requests.post(url, data=body, headers=headers_for(envelope, body, secret),
                                 timeout=timeout, allow_redirects=False)
    except requests.Timeout as exc:
        return f"timeout after {timeout:g}s: {type(exc).__name__}"
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    if 300 <= response.status_code < 400:
        return f"HTTP {response.status_code}: redirect to {response.headers.get('Location', '?')} not followed"
    return f"HTTP {response.status_code}: {response.text[:200]}"
