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
- A registered ruleset can never be replaced. A reload compiles new rulesets for the areas
  whose compiled text changed and reuses the others; a ruleset no generation uses any more is
  deleted from the C engine (``delete_ruleset``; its per-session state is never freed by the
  engine and ``delete_state`` crashes it, hence the reuse).
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
import json
import threading
import uuid

import durable_rules_engine
from durable.engine import Host, MessageNotHandledException, Ruleset

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


# Rule actions only note which rule fired for which message (``_cid`` is unique per post), so
# a compiled ruleset does not belong to any one CompiledRules and can be shared by several.
_HITS: dict[str, list[str]] = {}
# The C engine is not thread-safe, and shared rulesets may be reached from two generations.
_ENGINE_LOCK = threading.RLock()
# Rulesets by the canonical text of their definition, with the number of generations using them.
_SHARED: dict[str, list] = {}


def _action(rule_id):
    # durable_rules treats a two-argument function as asynchronous: the action takes only c.
    def action(c):
        _HITS.setdefault(c.m["_cid"], []).append(rule_id)
    return action


def compile_policy(policy) -> dict:
    """The ruleset definition of one area, without its actions: rule key -> (rule id, body)."""
    definition = {}
    for index, rule in enumerate(policy.rules):
        if rule.get("enabled", True) is False:
            continue
        definition[f"r{index:03d}"] = (rule["id"], {"pri": index + 1,
                                                     "all": [{"m": rule_condition(rule, policy.params)}]})
    return definition


def _acquire(prefix: str, definition: dict):
    """A durable_rules ruleset for this definition: the one already compiled, if any.

    A ruleset's state (created by its first post) is never freed by ``delete_ruleset``, and
    ``delete_state`` crashes the engine; so rulesets are reused across reloads for every area
    whose compiled text did not change, and only an edited area costs a new one.
    """
    key = json.dumps({k: v for k, v in definition.items()}, sort_keys=True, ensure_ascii=False)
    entry = _SHARED.get(key)
    if entry is None:
        name = f"{prefix}_{next(_ruleset_ids)}"
        body = {k: {**rule_body, "run": _action(rule_id)} for k, (rule_id, rule_body) in definition.items()}
        [ruleset] = Ruleset.create_rulesets(None, {name: body}).values()
        entry = _SHARED[key] = [ruleset, 0, key]
    entry[1] += 1
    return entry


def _release(entry) -> None:
    entry[1] -= 1
    if entry[1] == 0:
        del _SHARED[entry[2]]
        durable_rules_engine.delete_ruleset(entry[0]._handle)  # noqa: SLF001  no public way


_ruleset_ids = itertools.count(1)


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
    """Every area of one consistent set of files, compiled for durable_rules."""

    def __init__(self, policies: dict, previous: "CompiledRules | None" = None):
        self.generation = next(_generations)
        self._policies = dict(policies)
        self._entries: dict[str, list] = {}   # area -> shared ruleset entry
        self._probes: dict[tuple, list] = {}  # (area, rule index) -> shared ruleset entry
        self._host = _PrivateHost()
        self._closed = False
        with _ENGINE_LOCK:
            for area, policy in policies.items():
                definition = compile_policy(policy)
                if definition:  # params-only areas have nothing to compile
                    self._entries[area] = _acquire(area, definition)
            # Keep the previous generation's probes that still apply, before it lets them go.
            for area, key in (previous._probes if previous is not None else {}):
                if area in self._entries and key in compile_policy(policies[area]):
                    self._probe(area, key)

    def _probe(self, area: str, key: str):
        probe = self._probes.get((area, key))
        if probe is None:
            rule_id, body = compile_policy(self._policies[area])[key]
            probe = self._probes[(area, key)] = _acquire(f"{area}_probe", {key: (rule_id, {"all": body["all"]})})
        return probe

    def _post(self, entry, facts: dict) -> list[str]:
        """Post one message; the ids of the rules that fired on it (at most one: it is consumed)."""
        cid = uuid.uuid4().hex
        ruleset = entry[0]
        try:
            self._host._handle_function(ruleset, ruleset.assert_event,  # noqa: SLF001
                                        {**message(facts), "_cid": cid}, None)
        except MessageNotHandledException:
            pass
        finally:
            hits = _HITS.pop(cid, [])
        return hits

    def first_match(self, area: str, facts: dict) -> str | None:
        """The id of the first rule (in file order) whose condition holds; None if none does."""
        with _ENGINE_LOCK:
            if self._closed:
                raise RuntimeError("these rules were retired by a reload")
            entry = self._entries.get(area)
            hits = self._post(entry, facts) if entry else []
        return hits[0] if hits else None

    def all_matches(self, area: str, facts: dict) -> list[str]:
        """Every rule whose condition holds, each posted to a one-rule probe ruleset.

        Probes use the same event path as decisions (asserting a fact instead loops forever in
        the engine when a fact satisfies several branches of an ``any``), and are compiled on
        first use, so decisions never pay for them.
        """
        policy = self._policies.get(area)
        if policy is None or area not in self._entries:
            return []
        matched = []
        with _ENGINE_LOCK:
            if self._closed:
                raise RuntimeError("these rules were retired by a reload")
            for key, (rule_id, _body) in compile_policy(policy).items():
                if self._post(self._probe(area, key), facts):
                    matched.append(rule_id)
        return matched

    def definition(self, area: str) -> dict | None:
        """The compiled ruleset (JSON-safe, actions left out), for inspection and tests."""
        entry = self._entries.get(area)
        return entry[0].get_definition() if entry else None

    def close(self) -> None:
        """Give back this generation's rulesets; those no other generation uses are freed."""
        with _ENGINE_LOCK:
            if self._closed:
                return
            self._closed = True
            for entry in [*self._entries.values(), *self._probes.values()]:
                _release(entry)
