"""Callers with real identities: tokens issued by the running identity service, sent as
``Authorization: Bearer``. ``caller(base, config, "village_cadre", "village:v-wgd")`` is a
requests.Session acting as that person."""
from __future__ import annotations

import requests
from nameko.standalone.rpc import ClusterRpcProxy

import services.kernel.nameko_ext  # noqa: F401  registers our errors for RPC replies


def issue(config: dict, role: str, *scopes: str, home: str | None = None, name: str | None = None,
          days: int = 30) -> dict:
    with ClusterRpcProxy({"AMQP_URI": config["AMQP_URI"]}, timeout=30) as cluster:
        return cluster.identity.issue_token(payload={
            "name": name or f"test {role}", "role": role, "scopes": list(scopes),
            "expires_days": days, "home": home})


def session(base: str, token: str | None) -> requests.Session:
    s = requests.Session()
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    s.base = base
    return s


def caller(base: str, config: dict, role: str, *scopes: str, home: str | None = None) -> requests.Session:
    return session(base, issue(config, role, *scopes, home=home)["token"])


def wait_for_places(config: dict, village: str, timeout: float = 30) -> None:
    """Until the identity service has learnt the village's hamlets from the roster's events."""
    from tests.support.wait import until
    with ClusterRpcProxy({"AMQP_URI": config["AMQP_URI"]}, timeout=30) as cluster:
        until(lambda: cluster.identity.resolve(principal={
            "subject": "probe", "role": "village_cadre", "scopes": [f"village:{village}"]})["hamlets"],
            timeout=timeout, message=f"identity to know the hamlets of {village}")
