"""The policy book: the rule files in force, and the two calls of the policy port.

``PolicyBook(directory).decide(area, facts)`` and ``.params(area)`` are what the rules service
answers over RPC, and what other services' unit tests may call in-process. ``reload()`` reads
and checks every file first and swaps in the new set with a single assignment, so a decision
sees either the old files or the new ones, never a mix; on any problem nothing changes.
"""
from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from services.kernel import config as kconfig
from services.kernel import money
from services.kernel.errors import PolicyRefused, ValidationFailed

from . import loader
from .adapter import CompiledRules
from .computations import COMPUTATIONS
from .semantics import TEMPLATE, resolve_param


def rules_dir(config: dict | None = None) -> Path:
    path = Path((config or {}).get("RULES_DIR") or "rules")
    return path if path.is_absolute() else kconfig.ROOT / path


@dataclass
class _State:
    policies: dict
    compiled: CompiledRules
    fingerprint: str
    loaded_at: datetime
    extra: dict = None  # per area: published version's author, time, sha256


def json_safe(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:g}" if abs(value) >= 1 or value == 0 else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "、".join(_fmt(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(json_safe(value))


def render(template: str, facts: dict, params: dict) -> str:
    """Fill {fact} and {params.a.b} in a rule's reason; nothing else is evaluated."""
    def repl(match):
        name = match.group(1)
        try:
            value = resolve_param(params, name[len("params."):]) if name.startswith("params.") else facts[name]
        except KeyError:
            return match.group(0)
        return _fmt(value)
    return TEMPLATE.sub(repl, template)


def _bad(fact: str, message: str):
    return ValidationFailed.from_messages({fact: [message]}, f"{fact}: {message}")


def coerce_facts(policy: loader.Policy, facts) -> dict:
    """The caller's facts, typed by the file's ``facts:``; ValidationFailed names the fact."""
    if not isinstance(facts, dict):
        raise ValidationFailed.from_messages({"facts": ["an object of facts"]}, "facts must be an object")
    unknown = sorted(set(facts) - set(policy.facts))
    if unknown:
        raise _bad(unknown[0], f"not a fact of {policy.area}; known: {', '.join(policy.facts)}")
    out = {}
    for name, spec in policy.facts.items():
        value = facts.get(name)
        if value is None:
            if spec.get("required", True):
                raise _bad(name, "missing")
            out[name] = None
            continue
        kind = spec["type"]
        if kind == "string":
            ok = isinstance(value, str) and value != ""
        elif kind == "integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind == "number":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif kind == "boolean":
            ok = isinstance(value, bool)
        elif kind == "money":  # the kernel's one reading of yuan: never rounded, bounded
            try:
                value, ok = money.parse(value), True
            except money.MoneyError:
                ok = False
        elif kind in ("date", "datetime"):
            ok = True
            try:
                if kind == "date":
                    value = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
                else:
                    value = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
                    value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
            except ValueError:
                ok = False
        elif kind == "list":
            ok = isinstance(value, list)
        else:
            ok = isinstance(value, dict)
        if not ok:
            raise _bad(name, f"expected {kind}, got {value!r}")
        if "enum" in spec and value not in spec["enum"]:
            raise _bad(name, f"{value!r} is not one of {', '.join(map(str, spec['enum']))}")
        if "min" in spec and value < spec["min"]:
            raise _bad(name, f"must be at least {spec['min']}")
        if "max" in spec and value > spec["max"]:
            raise _bad(name, f"must be at most {spec['max']}")
        out[name] = value
    return out


class DirectorySource:
    """Rule files read from a folder: staff's drafts, tests, and tools (never the service)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def describe(self) -> str:
        return str(self.directory)

    def fingerprint(self) -> str:
        return loader.fingerprint(self.directory)

    def load(self, schema_dir: Path):
        policies, problems = loader.load_dir(self.directory, schema_dir)
        return policies, problems, {}


class TextsSource:
    """Rule files given as texts: a draft being checked, or what ``texts()`` returns.

    ``texts`` answers ``(fingerprint, {file name: text}, {area: extra status})``; the rules
    service passes one that reads the published versions from its database."""

    def __init__(self, texts, label: str = "(texts)"):
        self.texts = texts if callable(texts) else (lambda: (_digest(texts), texts, {}))
        self.label = label

    def describe(self) -> str:
        return self.label

    def fingerprint(self) -> str:
        return self.texts()[0]

    def load(self, schema_dir: Path):
        _, files, extra = self.texts()
        policies, problems = loader.load_texts(files, schema_dir)
        return policies, problems, extra


def _digest(files: dict) -> str:
    import hashlib
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode("utf-8") + b"\0")
    return digest.hexdigest()


class PolicyBook:
    """The rule files in force; raises loader.RulesInvalid when they do not load.

    ``PolicyBook(directory)`` reads a folder (drafts, tests, tools); the rules service builds
    ``PolicyBook(source=TextsSource(published))`` so that only published versions decide.
    """

    def __init__(self, directory: str | Path | None = None, schema_dir: Path = loader.SCHEMA_DIR,
                 *, source=None):
        self.source = source or DirectorySource(Path(directory) if directory else rules_dir())
        self.schema_dir = schema_dir
        self._reload_lock = threading.Lock()
        self._state: _State | None = None
        self._refused_fingerprint: str | None = None
        self.reload()

    @classmethod
    def from_texts(cls, files: dict[str, str], label: str = "(draft)",
                   schema_dir: Path = loader.SCHEMA_DIR) -> "PolicyBook":
        return cls(source=TextsSource(files, label), schema_dir=schema_dir)

    @property
    def directory(self):
        return getattr(self.source, "directory", None)

    # -- loading ----------------------------------------------------------------------------
    def reload(self) -> dict:
        """Check every file, compile, swap. On a problem the rules in force stay, and it raises."""
        with self._reload_lock:
            fingerprint = self.source.fingerprint()
            policies, problems, extra = self.source.load(self.schema_dir)
            if problems:
                self._refused_fingerprint = fingerprint
                raise loader.RulesInvalid(problems)
            old = self._state
            # compiling can fail too, before anything changes
            compiled = CompiledRules(policies, old.compiled if old is not None else None)
            self._state = _State(policies, compiled, fingerprint, datetime.now(timezone.utc), extra)
            if old is not None:
                old.compiled.close()
            return self.status()

    def changed(self) -> bool:
        """True when the source differs from the files in force (the watcher asks)."""
        current = self.source.fingerprint()
        return current != self._state.fingerprint and current != self._refused_fingerprint

    def close(self) -> None:
        """Give back the compiled rulesets (a draft book checked and thrown away)."""
        if self._state is not None:
            self._state.compiled.close()

    def status(self) -> dict:
        state = self._state
        return {
            "directory": self.source.describe(), "generation": state.compiled.generation,
            "loaded_at": state.loaded_at.isoformat(),
            "files": [{"policy": p.area, "version": p.version, "file": p.file, "title": p.title,
                       "rules": [r["id"] for r in p.rules if r.get("enabled", True) is not False],
                       **((state.extra or {}).get(p.area) or {})}
                      for p in sorted(state.policies.values(), key=lambda p: p.area)],
        }

    # -- the policy port ---------------------------------------------------------------------
    def policy(self, area: str) -> loader.Policy:
        policy = self._state.policies.get(area)
        if policy is None:
            raise ValidationFailed.from_messages(
                {"area": [f"unknown policy area {area!r}"]}, f"unknown policy area {area!r}")
        return policy

    def params(self, area: str) -> dict:
        policy = self.policy(area)
        return {"policy": area, "version": policy.version, "params": copy.deepcopy(policy.params)}

    def decide(self, area: str, facts: dict) -> dict:
        for _ in range(3):
            state = self._state  # one consistent set of files for the whole decision
            try:
                return self._decide(state, area, facts)
            except _Retired:
                continue  # a reload retired these rules mid-way: decide again on the new ones
        raise RuntimeError("rules reloaded three times during one decision")

    def _decide(self, state: _State, area: str, facts: dict) -> dict:
        policy = state.policies.get(area)
        if policy is None:
            raise ValidationFailed.from_messages(
                {"area": [f"unknown policy area {area!r}"]}, f"unknown policy area {area!r}")
        if not any(r.get("enabled", True) is not False for r in policy.rules):
            raise ValidationFailed.from_messages(
                {"area": [f"{area} has parameters only; ask params({area!r})"]}, f"{area} decides nothing")
        typed = coerce_facts(policy, facts)
        if policy.compute:
            typed.update(COMPUTATIONS[policy.compute].run(typed, policy.params))
        try:
            rule_id = state.compiled.first_match(area, typed)
        except RuntimeError as exc:
            raise _Retired() from exc
        ref = {"id": rule_id, "version": policy.version, "policy": area}
        if rule_id is None:
            raise PolicyRefused({"message": f"no rule of {area} applies to these facts",
                                 "rule": {**ref, "id": f"{area}.none"}})
        rule = next(r for r in policy.rules if r["id"] == rule_id)
        return self._decision(policy, rule, typed, ref)

    @staticmethod
    def _decision(policy: loader.Policy, rule: dict, facts: dict, ref: dict) -> dict:
        then = rule["then"]
        values = {}
        for key, value in (then.get("values") or {}).items():
            if isinstance(value, dict) and set(value) == {"param"}:
                value = resolve_param(policy.params, value["param"])
            elif isinstance(value, dict) and set(value) == {"fact"}:
                value = facts.get(value["fact"])
            values[key] = json_safe(value)  # a fresh copy of containers: params stay untouched
        return {
            "policy": policy.area, "outcome": then["outcome"], "action": then.get("action", "decide"),
            "reason": render(then["reason"], facts, policy.params), "rule": ref, "values": values,
        }

    def explain(self, area: str, facts: dict) -> list[str]:
        """Every rule of the area whose condition holds for these facts, in file order."""
        state = self._state
        policy = self.policy(area)
        typed = coerce_facts(policy, facts)
        if policy.compute:
            typed.update(COMPUTATIONS[policy.compute].run(typed, policy.params))
        matched = set(state.compiled.all_matches(area, typed))
        return [r["id"] for r in policy.rules if r["id"] in matched]

    def compiled_definition(self, area: str) -> dict | None:
        return self._state.compiled.definition(area)


class _Retired(Exception):
    pass


