"""Where a webhook may point: public addresses only, unless the operator allows a network.

A subscriber could otherwise make the platform call its own broker, a database, or the cloud's
metadata service (server-side request forgery). Every address the host name resolves to must be
global; loopback, private, link-local, shared (CGNAT), multicast, reserved and the cloud
metadata addresses are refused unless they fall in an allowed network (config
``WEBHOOK_ALLOW_NETWORKS``, e.g. ``["10.20.0.0/16"]`` for a county system on the government LAN).
Checked when subscribing and again before every attempt, since DNS answers can change.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

# Cloud metadata endpoints (AWS/GCP/Azure/OpenStack, Alibaba Cloud, Tencent Cloud, AWS IPv6).
METADATA = {ipaddress.ip_address(a) for a in (
    "169.254.169.254", "100.100.100.200", "169.254.0.23", "fd00:ec2::254")}


class Refused(ValueError):
    """The URL may not be called; the message says why (for the subscriber and the operator)."""


def networks(allow) -> list:
    """The allow-list as networks: a list, or one comma-separated string (from the environment)."""
    if isinstance(allow, str):
        allow = [part for part in allow.split(",") if part.strip()]
    out = []
    for item in allow or ():
        try:
            out.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"WEBHOOK_ALLOW_NETWORKS: {item!r} is not a network: {exc}") from None
    return out


def _why_not(ip) -> str | None:
    if ip in METADATA:
        return "a cloud metadata address"
    for attr, label in (("is_loopback", "loopback"), ("is_link_local", "link-local"),
                        ("is_multicast", "multicast"), ("is_unspecified", "unspecified"),
                        ("is_private", "private"), ("is_reserved", "reserved")):
        if getattr(ip, attr):
            return f"a {label} address"
    if not ip.is_global:
        return "not a public address"
    return None


def check(url: str, allow=(), resolve=socket.getaddrinfo) -> list[str]:
    """Raises Refused unless every address of the URL's host is public or allowed; returns them."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"{url}: only http and https are delivered to")
    host = parts.hostname
    if not host:
        raise Refused(f"{url}: no host")
    if parts.username or parts.password:
        raise Refused(f"{url}: credentials in the URL are not accepted; use the signing secret")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused(f"{url}: bad port") from None
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"{host} does not resolve: {exc}") from None
    allowed = networks(allow)
    found = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if getattr(ip, "ipv4_mapped", None):
            ip = ip.ipv4_mapped
        found.append(str(ip))
        if any(ip in net for net in allowed):
            continue
        reason = _why_not(ip)
        if reason:
            raise Refused(f"{host} resolves to {ip}, {reason}; an operator can allow its network "
                          "in WEBHOOK_ALLOW_NETWORKS")
    return found
