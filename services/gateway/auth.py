"""Who is calling, over HTTP: credentials -> Principal -> admitted, 401, 403 or 429. No nameko here.

- ``Authorization: Bearer cct_...``: an API token, verified by the identity service (which keeps
  only digests). A verified token is cached for ``AUTH.cache_seconds`` (default 2): a revoked
  token is refused within that, and the cache spares the identity service one RPC per request.
- ``Authorization: Bearer <JWT>``: an OIDC token from the county's identity provider, verified
  here with PyJWT against the provider's JWKS (keys cached; an unknown ``kid`` refetches, so a
  rotated key is picked up). Issuer, audience, JWKS URL and the claims that carry the role and
  the scopes are configuration (``OIDC`` in config.yaml).
- Each route declares ``access`` (services/gateway/routing.py): ``"public"`` or the roles that
  may call it. Object scope (which village, which household) is checked by the service.
- Rate limits (the ``limits`` library, moving window): per token for callers with an identity,
  per address for anonymous ones; over the limit: 429 with ``Retry-After``.
"""
from __future__ import annotations

import inspect
import logging
import math
import threading
import time
from dataclasses import dataclass

import jwt
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from services.kernel.errors import CocreateError
from services.kernel.identity import (PUBLIC, ROLE_LABELS, Principal, Scope, Unauthenticated,
                                      validate)

log = logging.getLogger(__name__)

TOKEN_PREFIX = "cct_"


class Refusal(Exception):
    """The request is refused before any service sees it: ``status``, ``code``, ``message``."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None, **extra):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.extra = extra


def bearer(headers) -> str | None:
    value = headers.get("Authorization") or ""
    scheme, _, credential = value.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        if value:
            raise Refusal(401, "unauthenticated", "认证格式有误：请使用 Authorization: Bearer <令牌> "
                                                  "(use Authorization: Bearer <token>)")
        return None
    return credential.strip()


def authorise(access, principal: Principal | None) -> None:
    """The route's declaration against the caller's role (scope is the service's to check)."""
    if access == PUBLIC:
        return
    if principal is None:
        raise Refusal(401, "unauthenticated", "需要登录：请提供有效的访问令牌 (authentication required)",
                      headers={"WWW-Authenticate": 'Bearer realm="cocreate"'})
    if principal.role not in access:
        raise Refusal(403, "forbidden",
                      f"{ROLE_LABELS.get(principal.role, principal.role)}无权调用此接口 "
                      f"(role {principal.role} may not call this route)",
                      role=principal.role, allowed_roles=sorted(access))


class TtlCache:
    """A small thread-safe cache with a time to live and a bounded size."""

    def __init__(self, seconds: float, size: int = 10_000):
        self.seconds, self.size = seconds, size
        self._items: dict = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            value, until = found
            if until <= time.monotonic():
                self._items.pop(key, None)
                return None
            return value

    def put(self, key, value) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()  # crude but bounded; entries live seconds anyway
            self._items[key] = (value, time.monotonic() + self.seconds)

    def drop(self, key) -> None:
        with self._lock:
            self._items.pop(key, None)


@dataclass
class OidcSettings:
    issuer: str
    audience: str
    jwks_url: str
    role_claim: str = "cocreate_role"
    scope_claim: str = "cocreate_scopes"
    algorithms: tuple = ("RS256", "ES256")
    leeway: int = 30
    refetch_cooldown: float = 30  # at most one forced JWKS refetch (unknown kid) per this many seconds

    @classmethod
    def from_config(cls, config: dict) -> "OidcSettings | None":
        oidc = config.get("OIDC") or {}
        if not oidc.get("jwks_url"):
            return None
        missing = [k for k in ("issuer", "audience") if not oidc.get(k)]
        if missing:
            raise ValueError(f"OIDC: {', '.join(missing)} required with jwks_url")
        algorithms = oidc.get("algorithms") or cls.algorithms
        if isinstance(algorithms, str):
            algorithms = [a.strip() for a in algorithms.split(",") if a.strip()]
        return cls(issuer=oidc["issuer"], audience=oidc["audience"], jwks_url=oidc["jwks_url"],
                   role_claim=oidc.get("role_claim") or cls.role_claim,
                   scope_claim=oidc.get("scope_claim") or cls.scope_claim,
                   algorithms=tuple(algorithms), leeway=int(oidc.get("leeway", cls.leeway)),
                   refetch_cooldown=float(oidc.get("refetch_cooldown", cls.refetch_cooldown)))


class OidcVerifier:
    """Bearer JWTs from the county's identity provider (PyJWT + its JWKS client)."""

    def __init__(self, settings: OidcSettings):
        self.settings = settings
        # keys cached for 5 minutes; a token signed with an unknown kid (a rotated key) makes
        # PyJWKClient refetch, at most once per cooldown, so forged kids cannot flood the provider
        options = {"cooldown_duration": settings.refetch_cooldown} \
            if "cooldown_duration" in inspect.signature(jwt.PyJWKClient).parameters else {}
        self.jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300, timeout=10, **options)

    def principal(self, token: str) -> Principal:
        s = self.settings
        refused = Refusal(401, "unauthenticated", "身份令牌无效或已过期 (invalid or expired identity token)",
                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        try:
            key = self.jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=list(s.algorithms), audience=s.audience,
                                issuer=s.issuer, leeway=s.leeway,
                                options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.PyJWKClientConnectionError as exc:
            log.warning("OIDC: JWKS unreachable: %s", exc)
            raise Refusal(503, "identity_provider_unavailable",
                          "身份认证服务暂不可用，请稍后再试 (identity provider unreachable)") from None
        except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
            log.info("OIDC: token refused: %s", exc)
            raise refused from None
        role = claims.get(s.role_claim)
        raw = claims.get(s.scope_claim) or []
        raw = raw.split() if isinstance(raw, str) else list(raw)
        try:
            scopes = [Scope.parse(x) for x in raw]
            validate(role, scopes)
        except (ValueError, TypeError) as exc:
            raise Refusal(403, "forbidden", f"身份令牌的角色或范围不被接受 (role/scope claims refused: {exc})") from None
        return Principal(subject=f"oidc:{claims['sub']}", role=role, scopes=tuple(scopes), via="oidc")


class RateLimits:
    """Per token (or OIDC subject) and per address for anonymous callers."""

    def __init__(self, config: dict):
        limits = config.get("RATE_LIMITS") or {}
        self.enabled = str(limits.get("enabled", "true")).lower() not in {"false", "0", "no"}
        self.identified = parse_limit(str(limits.get("identified") or "1200/minute"))
        self.anonymous = parse_limit(str(limits.get("anonymous") or "300/minute"))
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, principal: Principal | None, address: str | None) -> None:
        if not self.enabled:
            return
        item, key = ((self.identified, f"p:{principal.subject}") if principal is not None
                     else (self.anonymous, f"a:{address or '?'}"))
        if self.limiter.hit(item, key):
            return
        reset, _ = self.limiter.get_window_stats(item, key)
        retry = max(1, math.ceil(reset - time.time()))
        raise Refusal(429, "rate_limited", f"请求过于频繁，请 {retry} 秒后再试 (too many requests)",
                      headers={"Retry-After": str(retry)}, retry_after=retry)


class Authenticator:
    """Credentials -> Principal, with the identity service behind ``call(service, method, **kw)``."""

    def __init__(self, config: dict):
        self.cache = TtlCache(float((config.get("AUTH") or {}).get("cache_seconds", 2)))
        settings = OidcSettings.from_config(config)
        self.oidc = OidcVerifier(settings) if settings else None
        self.limits = RateLimits(config)

    def principal(self, token: str | None, call) -> Principal | None:
        if token is None:
            return None
        cached = self.cache.get(token)
        if cached is not None:
            return cached
        if token.startswith(TOKEN_PREFIX):
            principal = self._remote(call, "verify_token", token=token)
        elif self.oidc is not None and token.count(".") == 2:
            claimed = self.oidc.principal(token)
            principal = self._remote(call, "resolve", principal=claimed.to_dict())
        else:
            raise Refusal(401, "unauthenticated", "访问令牌无效 (unrecognised token)")
        self.cache.put(token, principal)
        return principal

    @staticmethod
    def _remote(call, method: str, **kwargs) -> Principal:
        try:
            return Principal.from_dict(call("identity", method, **kwargs))
        except Unauthenticated as exc:
            raise Refusal(401, "unauthenticated", str(exc),
                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
        except CocreateError:
            raise
        except Exception as exc:  # noqa: BLE001  identity down or unknown: not the caller's fault
            log.warning("identity.%s failed: %s", method, type(exc).__name__)
            raise Refusal(503, "identity_unavailable",
                          "身份服务暂不可用，请稍后再试 (identity service unavailable)") from None

    def admit(self, headers, address: str | None, access, call) -> Principal | None:
        """The caller, if the route admits them; Refusal (401/403/429/503) if not."""
        principal = self.principal(bearer(headers), call)
        self.limits.hit(principal, address)
        authorise(access, principal)
        return principal
