"""The policy port as scoring uses it (docs/policy-contract.md).

``policy`` is anything with ``decide(area, facts)`` and ``params(area)``: the ``rules`` RPC
proxy in the service, ``services.rules.engine.PolicyBook`` or a fake in tests. Every number of
a policy comes from here; this module only checks that an answer carries the rule that gave it.
"""
from __future__ import annotations

from services.kernel.errors import PolicyRefused


def decide(policy, area: str, facts: dict) -> dict:
    decision = policy.decide(area, facts)
    rule = (decision or {}).get("rule") or {}
    if not rule.get("id") or rule.get("version") is None:
        # An answer we cannot trace to a rule file must not become points or titles.
        raise PolicyRefused({"message": f"{area}: the policy answered without a rule reference",
                             "rule": rule})
    decision.setdefault("values", {})
    return decision


def rule_ref(decision: dict) -> dict:
    rule = decision["rule"]
    return {"id": rule["id"], "version": int(rule["version"]),
            "policy": rule.get("policy") or decision.get("policy")}


def params(policy, area: str) -> dict:
    """``{"policy", "version", "params"}``; ``params`` is the area's parameters."""
    answer = policy.params(area) or {}
    answer.setdefault("params", {})
    return answer


def find_param(params: dict, key: str, *sections: str):
    """A parameter either at the top of an area's params or inside one of ``sections``."""
    if key in params:
        return params[key]
    for section in sections:
        value = params.get(section)
        if isinstance(value, dict) and key in value:
            return value[key]
    return None
