"""Helpers shared by the management domain modules (no nameko here).

Kept tiny on purpose: the kernel's shared vocabulary (ids, periods) replaces them when it lands.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from services.kernel.db import get_or_404  # noqa: F401  (re-exported for the domain modules)
from services.kernel.errors import CocreateError, ValidationFailed


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed.from_messages({field: [message]})


def where(stmt, model, query: dict, filters):
    for name in filters:
        if query.get(name) is not None:
            stmt = stmt.where(getattr(model, name) == query[name])
    return stmt


def page(session, stmt, query: dict) -> list:
    return list(session.scalars(stmt.limit(query.get("limit", 100)).offset(query.get("offset", 0))))


def ask(policy, facts: dict, outcomes: set[str]) -> dict:
    """Ask the policy port about area ``management``; an answer outside the contract is a fault."""
    decision = policy.decide("management", facts)
    if not isinstance(decision, dict) or decision.get("outcome") not in outcomes \
            or not isinstance(decision.get("rule"), dict) or "id" not in decision["rule"]:
        raise CocreateError({"message": "policy management answered outside its contract",
                             "policy": "management", "answer": repr(decision)[:500]})
    decision.setdefault("values", {})
    return decision


def params(policy, area: str = "management") -> tuple[dict, int]:
    answer = policy.params(area)
    return answer.get("params") or {}, int(answer.get("version") or 0)


__all__ = ["new_id", "iso", "invalid", "where", "page", "ask", "params", "select"]
