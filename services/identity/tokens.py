"""API tokens: issued once, stored as a digest, refused at once when revoked or expired.

A token reads ``cct_<id>_<secret>``: the id finds the row, the 256-bit random secret is
checked against its SHA-256 digest in constant time. A fast hash is right here: the secret is
random and long, not a password a person chose, so it cannot be guessed from its digest.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import identity
from services.kernel.errors import NotFound, ValidationFailed
from services.kernel.identity import Principal, Scope, Unauthenticated

from . import places
from .models import ApiToken

PREFIX = "cct_"
MAX_DAYS = 3650


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)  # SQLite forgets the zone


def issue(session: Session, name: str, role: str, scopes: list[str], days: int, now: datetime,
          home: str | None = None) -> tuple[ApiToken, str]:
    """A new token and its plain text (shown once, never stored)."""
    problems = {}
    name = (name or "").strip()
    if not name or len(name) > 200:
        problems["name"] = ["required, at most 200 characters"]
    parsed = []
    try:
        parsed = [Scope.parse(s) for s in scopes or []]
        identity.validate(role, parsed)
    except ValueError as exc:
        problems["role" if role not in identity.ROLES else "scope"] = [str(exc)]
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        problems["expires_days"] = [f"a whole number of days from 1 to {MAX_DAYS}"]
    if home is not None and (not isinstance(home, str) or not 0 < len(home) <= 64):
        problems["home"] = ["a household id, at most 64 characters"]
    if problems:
        raise ValidationFailed.from_messages(problems, "令牌参数有误 (invalid token request)")
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    row = ApiToken(id=token_id, name=name, role=role, scopes=[str(s) for s in parsed],
                   digest=_digest(secret), home=home or None, created_at=now, expires_at=now + timedelta(days=days))
    session.add(row)
    session.flush()
    return row, f"{PREFIX}{token_id}_{secret}"


def list_all(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)))


def revoke(session: Session, token_id: str, now: datetime) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound.of("token", token_id)
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def status(row: ApiToken, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if _aware(row.expires_at) <= now else "active"


def verify(session: Session, token: str, now: datetime) -> Principal:
    """The token's Principal (scopes resolved), or Unauthenticated naming no detail an
    attacker could use (which part was wrong stays in the identity service)."""
    refused = Unauthenticated({"message": "访问令牌无效、已过期或已吊销 (invalid, expired or revoked token)"})
    if not isinstance(token, str) or not token.startswith(PREFIX):
        raise refused
    token_id, sep, secret = token[len(PREFIX):].partition("_")
    row = session.get(ApiToken, token_id) if sep and token_id and secret else None
    if row is None or not hmac.compare_digest(row.digest, _digest(secret)):
        raise refused
    if status(row, now) != "active":
        raise refused
    principal = Principal(subject=f"token:{row.id}", role=row.role,
                          scopes=tuple(Scope.parse(s) for s in row.scopes), via="token", home=row.home)
    return places.resolve(session, principal)


def view(row: ApiToken, now: datetime) -> dict:
    return {"id": row.id, "name": row.name, "role": row.role, "scopes": list(row.scopes), "home": row.home,
            "created_at": _aware(row.created_at).isoformat(), "expires_at": _aware(row.expires_at).isoformat(),
            "revoked_at": _aware(row.revoked_at).isoformat() if row.revoked_at else None,
            "status": status(row, now)}
