"""The few helpers the management domain modules share (no nameko here); the vocabulary itself
(ids, moments, errors, the policy client) is the kernel's."""
from __future__ import annotations

from services.kernel import policy as policy_port
from services.kernel.paging import DEFAULT_PAGE, paged


def where(stmt, model, query: dict, filters):
    """``stmt`` narrowed to the rows equal to each filter given in ``query``."""
    for name in filters:
        if query.get(name) is not None:
            stmt = stmt.where(getattr(model, name) == query[name])
    return stmt


def page(session, stmt, query: dict) -> list:
    """A page of an ordered statement (lists here are ordered by what an operator needs first:
    the soonest deadline, the earliest day — not always the newest)."""
    return list(session.scalars(paged(stmt, query.get("limit", DEFAULT_PAGE), query.get("offset", 0))))


def ask(policy, facts: dict, outcomes: set[str]) -> dict:
    """A decision of area ``management``; an answer outside the contract is the port's error."""
    return policy_port.decide(policy, "management", facts, outcomes)


def params(policy, area: str = "management") -> tuple[dict, int]:
    answer = policy_port.params(policy, area)
    return answer["params"], int(answer["version"])
