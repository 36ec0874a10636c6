"""Reading policy files: YAML with line numbers, the published JSON Schema, and the checks
the schema cannot express (references, rule ids, types).

Every problem is reported as a :class:`Problem` with the file, the line and what was expected,
so a policy officer can find it in the editor. A directory either loads completely or not at
all: :func:`load_dir` returns the files only when no file has a problem.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from services.kernel import config as kconfig

SCHEMA_DIR = kconfig.ROOT / "rules" / "schema"
POLICY_SCHEMA = "policy.schema.json"
CASES_SCHEMA = "cases.schema.json"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    expected: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        tail = f" (expected: {self.expected})" if self.expected else ""
        return f"{where}: {self.message}{tail}"

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message,
                "expected": self.expected}


class RulesInvalid(Exception):
    """One or more files failed; nothing of them was applied."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class SourceFile:
    """A parsed YAML document and a way back from a data path to its line."""

    path: Path
    data: Any
    node: yaml.Node | None
    text: str = field(repr=False, default="")

    @property
    def name(self) -> str:
        return self.path.name

    def line_of(self, path) -> int | None:
        """1-based line of the node at ``path`` (keys and indexes), else of its nearest parent."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for step in path:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == step:
                        # the key's line: a block value starts on the line after it
                        node, line = value_node, key_node.start_mark.line + 1
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def _duplicate_keys(source_name: str, node) -> list[Problem]:
    """PyYAML keeps the last of two equal keys silently; a policy file must not."""
    problems = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen = {}
            for key_node, value_node in current.value:
                if key_node.value in seen:
                    problems.append(Problem(source_name, key_node.start_mark.line + 1,
                                            f"key {key_node.value!r} appears twice (first on line {seen[key_node.value]})",
                                            "each key once"))
                else:
                    seen[key_node.value] = key_node.start_mark.line + 1
                stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return problems


def read_yaml(path: Path, display: str | None = None) -> tuple[SourceFile | None, list[Problem]]:
    display = display or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(display, None, f"not UTF-8 text ({exc.reason})", "a UTF-8 file")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, [Problem(display, mark.line + 1 if mark else None,
                              f"not valid YAML: {exc.problem or exc}", "YAML (check indentation and colons)")]
    source = SourceFile(path, data, node, text)
    return source, _duplicate_keys(display, node) if node is not None else []


@lru_cache(maxsize=None)
def _validator(schema_dir: str, name: str):
    schema = json.loads((Path(schema_dir) / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _expected(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return "the key " + ", ".join(repr(k) for k in error.validator_value if k not in (error.instance or {}))
    if error.validator == "type":
        return error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
    if error.validator in ("enum",):
        return "one of " + ", ".join(map(str, error.validator_value))
    if error.validator == "const":
        return repr(error.validator_value)
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        names = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
        return f"a number {names[error.validator]} {error.validator_value}"
    if error.validator == "additionalProperties":
        allowed = list((error.schema.get("properties") or {}).keys())
        return "only " + ", ".join(allowed) if allowed else "no other keys"
    if error.validator == "pattern":
        return error.schema.get("description") or f"text matching {error.validator_value}"
    if error.validator in ("oneOf", "anyOf"):
        return error.schema.get("description") or "one of the allowed forms"
    return error.schema.get("description", "") if isinstance(error.schema, dict) else ""


def _best_errors(errors) -> list[jsonschema.ValidationError]:
    """For oneOf/anyOf failures, report the branch that got furthest, not a wall of text."""
    out = []
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            deepest = max(error.context, key=lambda e: len(e.absolute_path))
            if len(deepest.absolute_path) > len(error.absolute_path):
                out.append(deepest)
                continue
        out.append(error)
    return out


def schema_problems(source: SourceFile, schema_name: str, display: str,
                    schema_dir: Path = SCHEMA_DIR) -> list[Problem]:
    validator = _validator(str(schema_dir), schema_name)
    problems = []
    errors = sorted(validator.iter_errors(source.data), key=lambda e: list(map(str, e.absolute_path)))
    for error in _best_errors(errors):
        path = list(error.absolute_path)
        where = ".".join(str(p) for p in path) or "(top)"
        message = error.message if len(error.message) < 200 else error.message[:200] + "..."
        problems.append(Problem(display, source.line_of(path), f"{where}: {message}", _expected(error)))
    return problems


# -- the policy document as the engine sees it -------------------------------------------------

@dataclass
class Policy:
    """One validated rule file (``rules/<area>.yaml``)."""

    area: str
    version: int
    title: str
    description: str
    facts: dict
    params: dict
    compute: str | None
    rules: list[dict]
    file: str
    source: SourceFile = field(repr=False, default=None)

    def rule_line(self, index: int) -> int | None:
        return self.source.line_of(["rules", index]) if self.source else None


def parse_policy(source: SourceFile, display: str, schema_dir: Path = SCHEMA_DIR) -> tuple[Policy | None, list[Problem]]:
    problems = schema_problems(source, POLICY_SCHEMA, display, schema_dir)
    if problems:
        return None, problems
    data = source.data
    policy = Policy(
        area=data["id"], version=data["version"], title=data.get("title", ""),
        description=data["description"], facts=data.get("facts") or {},
        params=data.get("params") or {}, compute=data.get("compute"),
        rules=data.get("rules") or [], file=display, source=source,
    )
    from . import semantics  # the checks the schema cannot express
    problems = semantics.check(policy, display)
    if source.path.stem != policy.area:
        problems.insert(0, Problem(display, source.line_of(["id"]),
                                   f"id {policy.area!r} differs from the file name",
                                   f"id: {source.path.stem} (one file per area, named after it)"))
    return (None if problems else policy), problems


def policy_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yaml") if not p.name.startswith("."))


def load_dir(directory: Path, schema_dir: Path = SCHEMA_DIR) -> tuple[dict[str, Policy], list[Problem]]:
    """Every policy file in ``directory``; the dict is empty whenever any problem is found."""
    directory = Path(directory)
    policies: dict[str, Policy] = {}
    problems: list[Problem] = []
    files = policy_files(directory)
    if not files:
        problems.append(Problem(str(directory), None, "no policy files here", "rules/<area>.yaml files"))
    for path in files:
        display = _display(path)
        source, read_problems = read_yaml(path, display)
        problems += read_problems
        if source is None:
            continue
        policy, more = parse_policy(source, display, schema_dir)
        problems += more
        if policy is not None:
            policies[policy.area] = policy
    return ({} if problems else policies), problems


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(kconfig.ROOT))
    except ValueError:
        return str(path)


def fingerprint(directory: Path) -> str:
    """Changes whenever a policy file changes: the folder watcher compares it."""
    import hashlib
    digest = hashlib.sha256()
    for path in policy_files(Path(directory)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
