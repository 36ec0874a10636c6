"""Checks of a policy file that JSON Schema cannot express.

The schema says a condition has the shape ``{fact: name, gte: value}``; this module says the
fact exists, the value has the fact's type, a ``{param: ...}`` points at a number of this file,
an ``eq`` on a fact with a fixed list of values uses one of them (a misspelt ``vilage`` would
otherwise silently never match), and no rule hides behind an earlier catch-all.
"""
from __future__ import annotations

import re

from .computations import COMPUTATIONS
from .loader import Policy, Problem

NUMERIC = {"integer", "number", "money"}
SCALAR = NUMERIC | {"string", "boolean", "date", "datetime"}
RESERVED = {"id", "sid"}  # durable_rules keys a message by these
TEMPLATE = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists")


def resolve_param(params: dict, path: str):
    """The value at ``a.b.c`` in params; KeyError when there is none."""
    node = params
    for step in path.split("."):
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            raise KeyError(path)
    return node


def fact_types(policy: Policy) -> dict:
    types = {name: spec["type"] for name, spec in policy.facts.items()}
    if policy.compute:
        types.update(COMPUTATIONS[policy.compute].derived)
    return types


def _literal_fits(value, fact_type: str) -> bool:
    if fact_type in NUMERIC:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if fact_type == "boolean":
        return isinstance(value, bool)
    return isinstance(value, str)


def check(policy: Policy, display: str) -> list[Problem]:
    problems: list[Problem] = []
    line = policy.source.line_of if policy.source else (lambda path: None)

    def problem(path, message, expected=""):
        problems.append(Problem(display, line(path), message, expected))

    for name in policy.facts:
        if name in RESERVED:
            problem(["facts", name], f"fact name {name!r} is reserved", "another name")
    if policy.compute:
        computation = COMPUTATIONS[policy.compute]
        for name in policy.facts:
            if name in computation.derived:
                problem(["facts", name], f"{name!r} is computed by {policy.compute}, not given",
                        "a different fact name")
        for path, message, expected in computation.check_params(policy.params):
            problem(path, message, expected)
    types = fact_types(policy)
    specs = policy.facts

    def check_value(path, value, fact: str, op: str):
        fact_type = types.get(fact)
        if isinstance(value, dict) and "param" in value:
            try:
                value = resolve_param(policy.params, value["param"])
            except KeyError:
                problem(path, f"no param {value['param']!r} in this file", "a name under params:")
                return
        elif isinstance(value, dict) and "fact" in value:
            other = value["fact"]
            if other not in types:
                problem(path, f"no fact {other!r}", "one of " + ", ".join(sorted(types)))
            elif op in ("in", "not_in"):
                problem(path, f"{op} compares with a list, not with another fact", "a list or {param: ...}")
            elif (types[other] in NUMERIC) != (fact_type in NUMERIC):
                problem(path, f"compares {fact} ({fact_type}) with {other} ({types[other]})",
                        "facts of the same kind")
            return
        if fact_type is None:
            return
        values = value if op in ("in", "not_in") else [value]
        if op in ("in", "not_in") and not isinstance(value, list):
            problem(path, f"{op} needs a list", "a list of values")
            return
        for item in values:
            if op in ("lt", "lte", "gt", "gte") and fact_type not in NUMERIC:
                problem(path, f"{op} on {fact}, which is {fact_type}", "a number fact")
                return
            if not _literal_fits(item, fact_type):
                problem(path, f"{item!r} is not a {fact_type}, the type of {fact}", f"a {fact_type}")
                return
            enum = (specs.get(fact) or {}).get("enum")
            if enum and op in ("eq", "ne", "in", "not_in") and item not in enum:
                problem(path, f"{item!r} is not a possible value of {fact}", "one of " + ", ".join(map(str, enum)))

    def check_condition(path, condition):
        for key in ("all", "any"):
            if key in condition:
                for i, sub in enumerate(condition[key]):
                    check_condition(path + [key, i], sub)
                return
        fact = condition["fact"]
        op = next(k for k in condition if k != "fact")
        if fact not in types:
            problem(path + ["fact"], f"no fact {fact!r} in this file",
                    "one of " + ", ".join(sorted(types)) if types else "a fact declared under facts:")
            return
        if types[fact] not in SCALAR:
            problem(path + ["fact"], f"{fact} is a {types[fact]}: rules test single values",
                    "a text, number, true/false or date fact")
            return
        if op == "exists":
            return
        check_value(path + [op], condition[op], fact, op)

    def check_template(path, text):
        for name in TEMPLATE.findall(text):
            if name.startswith("params."):
                try:
                    resolve_param(policy.params, name[len("params."):])
                except KeyError:
                    problem(path, f"{{{name}}}: no such param", "a name under params:")
            elif name not in types:
                problem(path, f"{{{name}}}: no such fact", "one of " + ", ".join(sorted(types)))

    seen: dict[str, int] = {}
    catch_all = None
    for index, rule in enumerate(policy.rules):
        base = ["rules", index]
        rule_id = rule["id"]
        if not rule_id.startswith(policy.area + "."):
            problem(base + ["id"], f"rule id {rule_id!r} is not in this area", f"{policy.area}.<name>")
        if rule_id in seen:
            problem(base + ["id"], f"rule id {rule_id!r} is used twice", "unique rule ids")
        seen[rule_id] = index
        if rule.get("enabled", True) is False:
            continue
        if catch_all is not None:
            problem(base, f"never applies: rule {catch_all} before it has no `when` and always decides",
                    "rules without `when` last")
        if "when" in rule:
            check_condition(base + ["when"], rule["when"])
        else:
            catch_all = rule_id
        then = rule["then"]
        check_template(base + ["then", "reason"], then["reason"])
        for key, value in (then.get("values") or {}).items():
            if isinstance(value, dict) and set(value) == {"param"}:
                try:
                    resolve_param(policy.params, value["param"])
                except KeyError:
                    problem(base + ["then", "values", key], f"no param {value['param']!r}", "a name under params:")
            elif isinstance(value, dict) and set(value) == {"fact"} and value["fact"] not in types:
                problem(base + ["then", "values", key], f"no fact {value['fact']!r}",
                        "one of " + ", ".join(sorted(types)))
    return problems
