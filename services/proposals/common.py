"""Helpers shared by the proposals domain modules (no nameko here)."""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from services.kernel.db import get_or_404  # noqa: F401  (re-exported)
from services.kernel.errors import CocreateError, ValidationFailed


def listing(session, model, query: dict, filters, newest_first, stmt=None) -> list:
    """A page of ``model`` rows: equal to each given filter, newest first, then by id."""
    stmt = select(model) if stmt is None else stmt
    for name in filters:
        if query.get(name) is not None:
            stmt = stmt.where(getattr(model, name) == query[name])
    stmt = stmt.order_by(newest_first.desc(), model.id)
    return list(session.scalars(stmt.limit(query["limit"]).offset(query["offset"])))


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed.from_messages({field: [message]})


def ask(policy, area: str, facts: dict, outcomes: set[str]) -> dict:
    """Ask the policy port and check the answer has the documented shape.

    A decision without a rule reference or with an outcome the contract does not list is a
    fault of the rules service, not of the caller: it is raised as a server error.
    """
    decision = policy.decide(area, facts)
    if not isinstance(decision, dict) or decision.get("outcome") not in outcomes \
            or not isinstance(decision.get("rule"), dict) or "id" not in decision["rule"]:
        raise CocreateError({"message": f"policy {area} answered outside its contract",
                             "policy": area, "answer": repr(decision)[:500]})
    decision.setdefault("values", {})
    decision.setdefault("reason", "")
    return decision


def rule_ref(decision: dict) -> dict:
    rule = decision["rule"]
    return {"id": rule["id"], "version": int(rule["version"]),
            "policy": rule.get("policy") or decision.get("policy")}

