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
                                            f"键 {key_node.value!r} 写了两次（第一次在第 {seen[key_node.value]} 行）"
                                            f" — key {key_node.value!r} appears twice",
                                            "每个键只写一次：删去或合并其中一个"))
                else:
                    seen[key_node.value] = key_node.start_mark.line + 1
                stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return problems


# Guard rails: a rule file is small, plain data. Anchors and aliases (``&a`` / ``*a``) are the
# way a few lines expand to 10^9 nodes (the "alias bomb"), and a policy file never needs them,
# so they are refused while scanning, before anything is composed or expanded.
MAX_FILE_BYTES = 256 * 1024
MAX_TOKENS = 100_000
# libyaml when present (about ten times faster; same marks, same errors), else pure Python.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def decode(raw: bytes, display: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text, or a problem naming the line of the first byte that is not UTF-8."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [_too_big(display, len(raw))]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        return None, [Problem(display, line,
                              f"文件不是 UTF-8 编码（第 {exc.start + 1} 个字节起无法读取，可能是 GBK/GB18030）"
                              f" — not UTF-8 text ({exc.reason})",
                              "用编辑器“另存为 UTF-8”后再保存 (save as UTF-8)")]
    return text.removeprefix("\ufeff"), []


def _too_big(display: str, size: int) -> Problem:
    return Problem(display, None,
                   f"文件太大（{size // 1024} KB，上限 {MAX_FILE_BYTES // 1024} KB） — file too large",
                   "一个政策文件只写一个领域的参数和规则；拆分或删去多余内容")


# PyYAML's own words for the common mistakes, in the staff's words.
_YAML_MISTAKES = [
    ("could not find expected ':'", "这一行缺少冒号（写成 键: 值）", "键: 值，冒号后面留一个空格"),
    ("expected ',' or ']'", "方括号 [ 没有配对的 ]", "在这一行末尾补上 ]"),
    ("expected ',' or '}'", "花括号 { 没有配对的 }", "在这一行末尾补上 }"),
    ("found unexpected end of stream", "引号或括号没有闭合", "补上配对的引号或括号"),
    ("mapping values are not allowed", "这里不能出现冒号：缩进不对，或者文字里的冒号没加引号",
     "与上一行对齐缩进；含冒号的文字用引号括起来"),
    ("that cannot start any token", "不能用 Tab 缩进", "用空格缩进（每层两个空格）"),
    ("tab character", "不能用 Tab 缩进", "用空格缩进（每层两个空格）"),
    ("expected <block end>", "缩进没有对齐", "同一层的行缩进相同的空格数"),
    ("did not find expected key", "缩进没有对齐", "同一层的行缩进相同的空格数"),
    ("found duplicate anchor", "不允许使用锚点 &", "把内容直接写出来"),
    ("found undefined alias", "不允许使用别名 *", "把内容直接写出来"),
]


def _yaml_problem(display: str, exc: yaml.MarkedYAMLError, lines: int, text: str | None = None) -> Problem:
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    # An unclosed bracket or quote, or a key without its colon, is only noticed on a later line
    # (or at the end of the file): the mistake is where the scanner started, the context mark.
    if exc.context_mark is not None and exc.problem_mark is not None and (
            context.startswith(("while scanning a simple key", "while scanning a quoted",
                                "while parsing a flow", "while scanning a double", "while scanning a single"))
            or exc.problem_mark.line + 1 > lines):
        line = exc.context_mark.line + 1
    if line is not None and lines:
        line = min(line, lines)
    said, expected = "YAML 格式错误", "检查这一行的缩进、冒号和引号"
    for needle, zh, fix in _YAML_MISTAKES:
        if needle in problem:
            said, expected = zh, fix
            break
    if "mapping values are not allowed" in problem and line and text is not None:
        # "a 8" then "b: 1" on the next line reads as one text "a 8 b" followed by a stray colon:
        # the mistake is the line above, which has no colon of its own.
        rows = text.splitlines()
        above = next((i for i in range(line - 2, -1, -1) if rows[i].strip() and not rows[i].lstrip().startswith("#")), None)
        if above is not None and ":" not in rows[above] and not rows[above].lstrip().startswith("-") and \
                len(rows[above]) - len(rows[above].lstrip()) == len(rows[line - 1]) - len(rows[line - 1].lstrip()):
            line, said, expected = above + 1, "这一行缺少冒号（写成 键: 值）", "键: 值，冒号后面留一个空格"
    english = f"{context}: {problem}" if context else problem
    return Problem(display, line, f"{said} — not valid YAML ({english})", expected)


def _scan(text: str, display: str) -> list[Problem]:
    """Refuse anchors, aliases and tag tricks before anything is built from the tokens."""
    try:
        for count, token in enumerate(yaml.scan(text, Loader=_SafeLoader)):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                kind = "锚点 &" if isinstance(token, yaml.AnchorToken) else "别名 *"
                return [Problem(display, token.start_mark.line + 1,
                                f"政策文件不允许使用 YAML {kind}{token.value}（可以让几行文字展开成上亿个值）"
                                f" — YAML anchors and aliases are not allowed",
                                "把要重复的内容直接写出来")]
            if isinstance(token, yaml.TagToken):
                return [Problem(display, token.start_mark.line + 1,
                                "政策文件不允许使用 YAML 标签（!!…） — YAML tags are not allowed",
                                "去掉 ! 开头的标签，直接写值")]
            if count > MAX_TOKENS:
                return [Problem(display, token.start_mark.line + 1,
                                f"文件内容过多（超过 {MAX_TOKENS} 个 YAML 记号） — file too complex",
                                "拆分或删去多余内容")]
    except yaml.MarkedYAMLError as exc:
        return [_yaml_problem(display, exc, text.count("\n") + 1, text)]
    return []


def parse_text(text: str, display: str, name: str | None = None) -> tuple[SourceFile | None, list[Problem]]:
    """A rule or case file's text, checked by the guard rails, composed once and constructed."""
    name = name or display
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        return None, [_too_big(display, len(text.encode("utf-8")))]
    problems = _scan(text, display)
    if problems:
        return None, problems
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        return None, [_yaml_problem(display, exc, text.count("\n") + 1, text)]
    finally:
        loader.dispose()
    if node is None:
        return None, [Problem(display, 1, "文件是空的（或只有注释） — the file is empty",
                              "从 rules/ 里复制一个文件，改写 id、version、description 和规则")]
    if not isinstance(data, dict):
        return None, [Problem(display, node.start_mark.line + 1,
                              "文件的最外层应是“键: 值”的映射 — the top level must be a mapping",
                              "id: ...、version: ... 这样一行一个键")]
    source = SourceFile(Path(name), data, node, text)
    return source, _duplicate_keys(display, node)


def read_yaml(path: Path, display: str | None = None) -> tuple[SourceFile | None, list[Problem]]:
    display = display or path.name
    path = Path(path)
    if path.stat().st_size > MAX_FILE_BYTES:  # not even read into memory
        return None, [_too_big(display, path.stat().st_size)]
    text, problems = decode(path.read_bytes(), display)
    if text is None:
        return None, problems
    return parse_text(text, display, path.name)


@lru_cache(maxsize=None)
def _validator(schema_dir: str, name: str):
    schema = json.loads((Path(schema_dir) / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


_TYPES_ZH = {"integer": "整数", "number": "数字", "string": "文字", "boolean": "true 或 false",
             "object": "一组“键: 值”", "array": "列表", "null": "空"}


def _type_zh(kind) -> str:
    kinds = [kind] if isinstance(kind, str) else list(kind)
    return " 或 ".join(_TYPES_ZH.get(k, k) for k in kinds)


def _said(error: jsonschema.ValidationError) -> str:
    """What is wrong, in the staff's words."""
    v, value = error.validator, error.validator_value
    if v == "required":
        missing = [k for k in value if k not in (error.instance or {})]
        return "缺少 " + "、".join(missing)
    if v == "type":
        return f"应是{_type_zh(value)}，写的是 {error.instance!r}"
    if v == "enum":
        return f"{error.instance!r} 不是可选的值"
    if v == "const":
        return f"只能是 {value!r}"
    if v in ("minimum", "exclusiveMinimum"):
        return f"{error.instance!r} 太小"
    if v in ("maximum", "exclusiveMaximum"):
        return f"{error.instance!r} 太大"
    if v == "additionalProperties":
        allowed = set((error.schema.get("properties") or {}).keys())
        extra = [k for k in (error.instance or {}) if k not in allowed]
        return "不认识的键 " + "、".join(map(str, extra)) + "（拼错了？）"
    if v == "pattern":
        return f"{error.instance!r} 的写法不对"
    if v in ("minItems", "minProperties", "minLength"):
        return "不能是空的或太少"
    if v in ("maxItems", "maxProperties", "maxLength"):
        return "太多或太长"
    if v == "not":
        return f"不能是 {error.instance!r}"
    return "写法不对"


def _expected(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return "加上 " + ", ".join(repr(k) for k in error.validator_value if k not in (error.instance or {}))
    if error.validator == "type":
        kind = error.validator_value
        english = kind if isinstance(kind, str) else " or ".join(kind)
        return f"{_type_zh(kind)} ({english})"
    if error.validator in ("enum",):
        return "其中之一 one of " + ", ".join(map(str, error.validator_value))
    if error.validator == "const":
        return repr(error.validator_value)
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        names = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
        return f"数字 {names[error.validator]} {error.validator_value} (a number {names[error.validator]} {error.validator_value})"
    if error.validator == "additionalProperties":
        allowed = list((error.schema.get("properties") or {}).keys())
        return "只能写 only " + ", ".join(allowed) if allowed else "不能再有别的键 no other keys"
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
        problems.append(Problem(display, source.line_of(path), f"{where}: {_said(error)} — {message}",
                                _expected(error)))
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
    files = policy_files(directory)
    if not files:
        return {}, [Problem(str(directory), None, "这里没有政策文件 — no policy files here",
                            "rules/<领域>.yaml 文件")]
    sources, problems = [], []
    for path in files:
        display = _display(path)
        source, read_problems = read_yaml(path, display)
        problems += read_problems
        sources.append((display, source))
    return _load_sources(sources, problems, schema_dir)


def load_texts(files: dict[str, str], schema_dir: Path = SCHEMA_DIR,
               prefix: str = "") -> tuple[dict[str, Policy], list[Problem]]:
    """Policy files given as ``{file name: text}`` (a draft sent for publishing, or the
    published versions from the database); the same checks as :func:`load_dir`."""
    if not files:
        return {}, [Problem(prefix or "(draft)", None, "没有政策文件 — no policy files", "rules/<领域>.yaml 文件")]
    sources, problems = [], []
    for name in sorted(files):
        display = prefix + name
        if not name.endswith(".yaml") or "/" in name or name.startswith("."):
            problems.append(Problem(display, None, "文件名应是 <领域>.yaml — not a policy file name",
                                    "例如 funding.yaml"))
            continue
        source, read_problems = parse_text(files[name], display, name)
        problems += read_problems
        sources.append((display, source))
    return _load_sources(sources, problems, schema_dir)


def _load_sources(sources, problems, schema_dir) -> tuple[dict[str, Policy], list[Problem]]:
    policies: dict[str, Policy] = {}
    for display, source in sources:
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
