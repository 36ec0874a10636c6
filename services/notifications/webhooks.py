"""Delivering a notice to a subscriber's URL: CloudEvents over HTTP, structured mode, signed."""
from __future__ import annotations

import hashlib
import hmac
import json

import requests

TIMEOUT = 10


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url: str, envelope: dict, secret: str | None = None) -> str | None:
    """POST the event; returns None when the peer took it (2xx), else the reason."""
    body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/cloudevents+json; charset=utf-8"}
    if secret:
        headers["X-Cocreate-Signature"] = sign(secret, body)
    try:
        response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:200]}"
