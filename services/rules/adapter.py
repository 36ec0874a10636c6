"""The one module that knows durable_rules (unreleased since 2020): rule files outlive it.

Policy conditions are compiled to durable_rules' JSON ruleset language, one ruleset per area,
all in one private ``Host``. Known traps, and how this module avoids them:

- ``when_all(a, b)`` correlates two *different* events. A rule here tests one fact set, so all
  its tests are joined with ``$and`` inside a single ``m`` pattern, never listed as separate
  patterns.
- An event is consumed by the first rule that fires on it. We rely on that for "the first rule
  in the file decides": each rule gets ``pri`` = its position (lower fires first).
- Posting an event that no rule matches raises ``MessageNotHandledException``: that is "no
  rule applies", not an error.
- A registered ruleset can never be replaced. A reload compiles a new ``Host``; the old one is
  retired and its rulesets deleted from the C engine (``delete_ruleset``), or every reload
  would leak them.
- ``Host()`` starts two timer threads that poll forever; we keep schedules in our database, so
  the private host does not start them (and a retired host leaves nothing running).
- A pattern made only of "fact absent" tests (``$nex``) loops forever: every rule's pattern
  is anchored with a positive test on the ``_cid`` every message carries.
- Comparing with another fact (``$m``) reads an absent fact as 0: such a test also requires
  both facts to be present.
- The engine compares loosely (``"1" == 1``, ``1 == true``); the facts are typed before they
  get here and the loader checks literal types, so no such comparison is ever compiled.
"""
from __future__ import annotations

import itertools
import threading
import uuid

import durable_rules_engine
from durable.engine import Host, MessageNotHandledException

from .semantics import resolve_param

_generations = itertools.count(1)


class _PrivateHost(Host):
    """A durable_rules host without its background dispatch threads."""

    def _run(self):  # noqa: D401  the base class starts timer threads here
        return None


def compile_value(value, params: dict):
    if isinstance(value, dict) and "param" in value:
        return resolve_param(params, value["param"])
    if isinstance(value, dict) and "fact" in value:
        return {"$m": value["fact"]}  # another fact of the same message
    return value


def compile_condition(condition: dict, params: dict) -> dict:
    """A policy condition as one durable_rules expression over a single message."""
    if "all" in condition:
        return {"$and": [compile_condition(c, params) for c in condition["all"]]}
    if "any" in condition:
        return {"$or": [compile_condition(c, params) for c in condition["any"]]}
    fact = condition["fact"]
    op, raw = next((k, v) for k, v in condition.items() if k != "fact")
    if op == "exists":
        return {"$ex" if raw else "$nex": {fact: 1}}
    value = compile_value(raw, params)
    if isinstance(raw, dict) and "fact" in raw:
        # The engine reads an absent fact on the right-hand side as 0 ("n == m" holds for
        # n = 0 without m): both facts must be present, as for a literal.
        return {"$and": [{"$ex": {fact: 1}}, {"$ex": {raw["fact"]: 1}}, _compare(fact, op, value)]}
    return _compare(fact, op, value)


def _compare(fact: str, op: str, value) -> dict:
    if op == "eq":
        return {fact: value}
    if op in ("in", "not_in"):
        items = list(value)
        if op == "in":
            return {"$or": [{fact: v} for v in items]}
        return {"$and": [{"$neq": {fact: v}} for v in items]}
    return {{"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}[op]: {fact: value}}


ALWAYS = {"$ex": {"_cid": 1}}  # every message we post carries _cid


def rule_condition(rule: dict, params: dict) -> dict:
    """A rule's whole test, anchored on ``_cid``: a pattern made only of ``$nex`` (a fact that
    must be absent), alone or as one branch of an ``$or``, sends the engine into an endless
    loop; with a positive test beside it, it is evaluated correctly."""
    if "when" not in rule:
        return ALWAYS
    return {"$and": [ALWAYS, compile_condition(rule["when"], params)]}


def _action(on_fire, rule_id):
    # durable_rules treats a two-argument function as asynchronous: the action takes only c.
    def action(c):
        on_fire(rule_id, c.m["_cid"])
    return action


def compile_policy(policy, on_fire) -> dict:
    """The ruleset definition of one area; ``on_fire(rule_id, cid)`` is every rule's action."""
    definition = {}
    for index, rule in enumerate(policy.rules):
        if rule.get("enabled", True) is False:
            continue
        condition = rule_condition(rule, policy.params)

        definition[f"r{index:03d}"] = {"pri": index + 1, "all": [{"m": condition}],
                                       "run": _action(on_fire, rule["id"])}
    return definition


def message(facts: dict) -> dict:
    """Only single values reach the engine (lists and objects are for calculations)."""
    out = {}
    for name, value in facts.items():
        if value is None or isinstance(value, (list, dict, tuple)):
            continue
        if isinstance(value, (str, bool, int, float)):
            out[name] = value
        else:  # Decimal, dates: numbers compare as numbers, dates as ISO text
            out[name] = float(value) if hasattr(value, "is_finite") else value.isoformat()
    return out


class CompiledRules:
    """Every area of one consistent set of files, compiled into one private host."""

    def __init__(self, policies: dict):
        self.generation = next(_generations)
        self._lock = threading.RLock()
        self._hits: dict[str, list[str]] = {}
        self._names: dict[str, str] = {}
        self._policies = dict(policies)
        self._probes: set[str] = set()
        definitions = {}
        for area, policy in policies.items():
            if not any(r.get("enabled", True) is not False for r in policy.rules):
                continue  # params-only areas have nothing to compile
            name = f"{area}_v{policy.version}_g{self.generation}"
            self._names[area] = name
            definitions[name] = compile_policy(policy, self._fire)
        self._host = _PrivateHost(definitions)
        self._closed = False

    def _fire(self, rule_id: str, cid: str) -> None:
        self._hits.setdefault(cid, []).append(rule_id)

    def first_match(self, area: str, facts: dict) -> str | None:
        """The id of the first rule (in file order) whose condition holds; None if none does."""
        name = self._names.get(area)
        if name is None:
            return None
        cid = uuid.uuid4().hex
        with self._lock:
            if self._closed:
                raise RuntimeError("these rules were retired by a reload")
            try:
                self._host.post(name, {**message(facts), "_cid": cid})
            except MessageNotHandledException:
                return None
            finally:
                hits = self._hits.pop(cid, [])
        return hits[0] if hits else None

    def all_matches(self, area: str, facts: dict) -> list[str]:
        """Every rule whose condition holds, each posted to a one-rule probe ruleset.

        Probes use the same event path as decisions (asserting a fact instead loops forever in
        the engine when a fact satisfies several branches of an ``any``), and are compiled on
        first use, so decisions never pay for them.
        """
        policy = self._policies.get(area)
        if policy is None or area not in self._names:
            return []
        matched = []
        with self._lock:
            if self._closed:
                raise RuntimeError("these rules were retired by a reload")
            for index, rule in enumerate(policy.rules):
                if rule.get("enabled", True) is False:
                    continue
                name = f"{self._names[area]}_probe{index:03d}"
                if name not in self._probes:
                    condition = rule_condition(rule, policy.params)
                    self._host.register_rulesets({name: {"r": {"all": [{"m": condition}],
                                                               "run": _action(self._fire, rule["id"])}}})
                    self._probes.add(name)
                cid = uuid.uuid4().hex
                try:
                    self._host.post(name, {**message(facts), "_cid": cid})
                except MessageNotHandledException:
                    pass
                if self._hits.pop(cid, None):
                    matched.append(rule["id"])
        return matched

    def definition(self, area: str) -> dict | None:
        """The compiled ruleset (JSON-safe, actions left out), for inspection and tests."""
        name = self._names.get(area)
        if name is None:
            return None
        return self._host.get_ruleset(name).get_definition()

    def close(self) -> None:
        """Free the C engine's rulesets; waits for a decision in progress to finish."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for ruleset in self._host._ruleset_list:  # noqa: SLF001  no public way to free them
                durable_rules_engine.delete_ruleset(ruleset._handle)  # noqa: SLF001
