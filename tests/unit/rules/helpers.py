"""Writing rule folders for tests: a copy of the real rules/ to edit, or a file of one's own."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from services.rules.engine import rules_dir


def copy_rules(tmp_path: Path, first: tuple[str, ...] = ()) -> Path:
    """A copy of the real rules/; the ``first`` areas renumbered ``version: 1``, for tests that
    count an area's versions from its first publication whatever the shipped file reached."""
    target = tmp_path / "rules"
    shutil.copytree(rules_dir(), target, ignore=shutil.ignore_patterns("schema"))
    for area in first:
        path = target / f"{area}.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^version: \d+$", "version: 1", text, count=1, flags=re.M), encoding="utf-8")
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def version_of(path: Path) -> int:
    """The ``version:`` of a rule file (tests say "the version now" and "one more", never a number)."""
    return int(re.search(r"^version: (\d+)$", path.read_text(encoding="utf-8"), re.M).group(1))


def bump_version(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^version: (\d+)$", lambda m: f"version: {int(m.group(1)) + 1}", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def reference_holds(condition: dict | None, facts: dict, params: dict) -> bool:
    """What a condition means, written independently of the durable_rules compiler."""
    from services.rules.semantics import resolve_param
    if condition is None:
        return True
    if "all" in condition:
        return all(reference_holds(c, facts, params) for c in condition["all"])
    if "any" in condition:
        return any(reference_holds(c, facts, params) for c in condition["any"])
    name = condition["fact"]
    op, raw = next((k, v) for k, v in condition.items() if k != "fact")
    value = facts.get(name)
    if op == "exists":
        return (value is not None) == raw
    if value is None:
        return False
    if isinstance(raw, dict) and "param" in raw:
        raw = resolve_param(params, raw["param"])
    elif isinstance(raw, dict) and "fact" in raw:
        raw = facts.get(raw["fact"])
        if raw is None:
            return False
    if hasattr(value, "is_finite"):
        value = float(value)
    return {
        "eq": lambda: value == raw, "ne": lambda: value != raw,
        "lt": lambda: value < raw, "lte": lambda: value <= raw,
        "gt": lambda: value > raw, "gte": lambda: value >= raw,
        "in": lambda: value in raw, "not_in": lambda: value not in raw,
    }[op]()
