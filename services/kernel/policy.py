"""The one client of the policy port (docs/policy-contract.md), used by every service.

``policy`` is anything with ``decide(area, facts)`` and ``params(area)``: the ``rules`` RPC
proxy in a service, ``services.rules.engine.PolicyBook`` in-process, or the test suite's
policy over fixture rule files. Every number of a policy comes from there; this module only
checks that an answer keeps the contract, so an answer that cannot be traced to a rule file
never becomes a decision, points or money.

An answer outside the contract is the rules service's fault, not the caller's: it raises
:class:`~services.kernel.errors.PolicyContractBroken` (HTTP 502), whichever service asked.
A rule that *refuses* something answers within the contract; the caller turns that outcome
into ``PolicyRefused`` (422) itself.
"""
from __future__ import annotations

from collections.abc import Iterable

from .errors import PolicyContractBroken


def broken(area: str, why: str, answer) -> PolicyContractBroken:
    return PolicyContractBroken({"message": f"policy {area} answered outside its contract: {why}",
                                 "policy": area, "answer": repr(answer)[:500]})


def decide(policy, area: str, facts: dict, outcomes: Iterable[str] | None = None) -> dict:
    """The decision for ``facts``: ``{"policy", "outcome", "reason", "rule", "values"}``.

    ``rule`` always holds ``id`` and an integer ``version``; ``outcomes``, when given, are the
    outcomes the caller handles (any other is a broken contract, not a silent default).
    """
    decision = policy.decide(area, facts)
    if not isinstance(decision, dict):
        raise broken(area, "not an object", decision)
    rule = decision.get("rule")
    if not isinstance(rule, dict) or not rule.get("id") or rule.get("version") is None:
        raise broken(area, "no rule reference", decision)
    try:
        int(rule["version"])
    except (TypeError, ValueError):
        raise broken(area, "rule version is not a number", decision) from None
    if not isinstance(decision.get("outcome"), str):
        raise broken(area, "no outcome", decision)
    if outcomes is not None and decision["outcome"] not in set(outcomes):
        raise broken(area, f"unexpected outcome {decision['outcome']!r}", decision)
    decision.setdefault("policy", area)
    if not isinstance(decision.get("values"), dict):
        decision["values"] = {}
    decision.setdefault("reason", "")
    return decision


def decide_many(policy, area: str, facts_list: list[dict], outcomes: Iterable[str] | None = None) -> list[dict]:
    """The decisions for a batch of facts, in order: one ``decide_many`` call (one RPC to the
    rules service, which still logs each decision with its rule and version), each answer
    checked as :func:`decide` checks one. Equal facts are asked once."""
    if not facts_list:
        return []
    keys, unique = [], {}
    for facts in facts_list:
        key = repr(sorted(facts.items()))
        keys.append(key)
        unique.setdefault(key, facts)
    asked = list(unique.values())
    many = getattr(policy, "decide_many", None)
    answers = many(area, asked) if many is not None else [policy.decide(area, f) for f in asked]
    if not isinstance(answers, list) or len(answers) != len(asked):
        raise broken(area, "a batch answer of the wrong length", answers)
    checked = {key: decide(_Answered(answer), area, facts, outcomes)
               for key, facts, answer in zip(unique, asked, answers)}
    return [checked[key] for key in keys]


class _Answered:
    """An answer already received, checked by :func:`decide` like a fresh one."""

    def __init__(self, answer):
        self.answer = answer

    def decide(self, area, facts):
        return self.answer


def rule_ref(decision: dict) -> dict:
    """What callers store and emit: ``{"id", "version", "policy"}`` of the deciding rule."""
    rule = decision["rule"]
    return {"id": rule["id"], "version": int(rule["version"]),
            "policy": rule.get("policy") or decision.get("policy")}


def params(policy, area: str) -> dict:
    """``{"policy", "version", "params"}`` of an area; ``params`` always a dict."""
    answer = policy.params(area)
    if not isinstance(answer, dict) or answer.get("version") is None:
        raise broken(area, "params without a version", answer)
    if not isinstance(answer.get("params"), dict):
        answer["params"] = {}
    answer.setdefault("policy", area)
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
