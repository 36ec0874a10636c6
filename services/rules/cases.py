"""Policy staff's test cases (``rules/tests/<area>.yaml``): given facts, expect a decision.

A case names facts under ``given`` and what it expects under ``expect`` (outcome, rule, words
the reason must contain, and any values: only the values written are compared, lists item by
item; ``{contains: ...}`` and ``{any_order: [...]}`` relax that, and ``version: current`` stands
for the version of the file under test, so bumping it breaks no case). ``expect_error: {fact: x}`` expects the facts to be refused naming ``x``. A case may
instead give an ``event`` (good_deed.verified, funding_round.closed) and expect the event the
rules service emits. Run them with ``cocreate rules test``; pytest runs them too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from services.kernel.errors import CocreateError, PolicyRefused, ValidationFailed

from . import loader, reactions

REACTIONS = {
    "good_deed.verified": ("points.decided", reactions.points_for_deed),
    "funding_round.closed": ("funding_round.allocated", reactions.allocation_for_round),
}


@dataclass
class Case:
    file: str
    line: int | None
    policy: str
    name: str
    spec: dict = field(repr=False)

    @property
    def id(self) -> str:
        return f"{Path(self.file).stem}::{self.name}"


@dataclass
class Result:
    case: Case
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


def tests_dir(rules_directory: Path) -> Path:
    return Path(rules_directory) / "tests"


def load_cases(directory: Path, schema_dir: Path = loader.SCHEMA_DIR) -> tuple[list[Case], list[loader.Problem]]:
    sources, problems = [], []
    for path in sorted(Path(directory).glob("*.yaml")):
        display = loader._display(path)  # noqa: SLF001  same file naming as the policies
        source, read_problems = loader.read_yaml(path, display)
        problems += read_problems
        sources.append((display, source))
    return _cases_of(sources, problems, schema_dir)


def load_case_texts(files: dict[str, str], schema_dir: Path = loader.SCHEMA_DIR,
                    prefix: str = "tests/") -> tuple[list[Case], list[loader.Problem]]:
    """Cases given as ``{file name: text}`` (a draft's rules/tests/ sent for publishing)."""
    sources, problems = [], []
    for name in sorted(files):
        source, read_problems = loader.parse_text(files[name], prefix + name, name)
        problems += read_problems
        sources.append((prefix + name, source))
    return _cases_of(sources, problems, schema_dir)


def _cases_of(sources, problems, schema_dir) -> tuple[list[Case], list[loader.Problem]]:
    cases = []
    for display, source in sources:
        if source is None:
            continue
        more = loader.schema_problems(source, loader.CASES_SCHEMA, display, schema_dir)
        problems += more
        if more:
            continue
        names = set()
        for index, spec in enumerate(source.data["cases"]):
            if spec["name"] in names:
                problems.append(loader.Problem(display, source.line_of(["cases", index, "name"]),
                                               f"用例名 {spec['name']!r} 用了两次 — case name used twice",
                                               "每个用例起一个不同的名字"))
            names.add(spec["name"])
            cases.append(Case(display, source.line_of(["cases", index]), source.data["policy"],
                              spec["name"], spec))
    return cases, problems


def _matcher(expected) -> str | None:
    """``{contains: ...}`` or ``{any_order: [...]}``: the two matchers a case may write."""
    if isinstance(expected, dict) and len(expected) == 1:
        key = next(iter(expected))
        if key in ("contains", "any_order"):
            return key
    return None


def mismatches(expected, actual, path: str = "", current_version: int | None = None) -> list[str]:
    """What differs, where only what ``expected`` mentions counts.

    ``version: current`` matches the version of the file under test (so a version bump does not
    break a case); ``{contains: text}`` matches a text containing it, ``{contains: item}`` or
    ``{contains: [items]}`` a list holding such items (anywhere), and ``{any_order: [items]}`` a
    list of exactly these items in any order."""
    where = path or "(value)"
    matcher = _matcher(expected)
    if matcher == "contains":
        wanted = expected["contains"]
        if isinstance(actual, str):
            return [] if isinstance(wanted, str) and wanted in actual else [
                f"{where}: 应包含 {wanted!r}，实际是 {actual!r} — expected to contain {wanted!r}"]
        if isinstance(actual, list):
            missing = [w for w in (wanted if isinstance(wanted, list) else [wanted])
                       if not any(not mismatches(w, a, "", current_version) for a in actual)]
            return [f"{where}: 列表里没有 {m!r}（实际 {actual!r}） — no such item" for m in missing]
        return [f"{where}: contains 只能用于文字或列表，实际是 {actual!r} — contains needs a text or a list"]
    if matcher == "any_order":
        wanted = expected["any_order"]
        if not isinstance(actual, list) or not isinstance(wanted, list) or len(actual) != len(wanted):
            return [f"{where}: 应是 {len(wanted) if isinstance(wanted, list) else '?'} 项（任意顺序），"
                    f"实际是 {actual!r} — expected these items in any order"]
        left = list(actual)
        out = []
        for w in wanted:
            hit = next((i for i, a in enumerate(left) if not mismatches(w, a, "", current_version)), None)
            if hit is None:
                out.append(f"{where}: 没有与 {w!r} 相符的项（实际 {actual!r}） — no item matches")
            else:
                left.pop(hit)
        return out
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: 应是一组“键: 值”，实际是 {actual!r} — expected an object"]
        out = []
        for key, value in expected.items():
            sub = f"{path + '.' if path else ''}{key}"
            if key == "version" and value == "current" and current_version is not None:
                value = current_version
            if key not in actual:
                out.append(f"{sub}: 缺少（应是 {value!r}） — missing")
            else:
                out += mismatches(value, actual[key], sub, current_version)
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: 应是 {len(expected)} 项 {expected!r}，实际是 {actual!r}"
                    f" — expected {len(expected)} items (顺序无关请写 any_order)"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += mismatches(e, a, f"{path}[{i}]", current_version)
        return out
    differs = [f"{where}: 应是 {expected!r}，实际是 {actual!r} — expected {expected!r}, got {actual!r}"]
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, str):
        try:  # money travels as text: "50000.00" is what a case writes as 50000
            return [] if float(actual) == float(expected) else differs
        except ValueError:
            pass
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return [] if abs(expected - actual) < 1e-9 else differs
    if expected != actual or isinstance(expected, bool) != isinstance(actual, bool):
        return differs
    return []


def run_case(book, case: Case) -> Result:
    spec = case.spec
    try:
        if "event" in spec:
            return Result(case, _run_event(book, case))
        try:
            decision = book.decide(case.policy, spec["given"])
        except ValidationFailed as exc:
            if "expect_error" in spec:
                named = set((exc.detail.get("fields") or {}).keys())
                wanted = spec["expect_error"]["fact"]
                return Result(case, [] if wanted in named else
                              [f"被拒绝了，但指出的是 {sorted(named)} 而不是 {wanted!r}：{exc} — refused naming another fact"])
            return Result(case, [f"事实被拒绝：{exc} {exc.detail.get('fields', '')} — facts refused"])
        if "expect_error" in spec:
            return Result(case, [f"应拒绝并指出 {spec['expect_error']['fact']!r}，"
                                 f"却由 {decision['rule']['id']} 决定为 {decision['outcome']} — expected a refusal"])
        expect = spec["expect"]
        current = decision["rule"]["version"]
        failures = []
        if "outcome" in expect and expect["outcome"] != decision["outcome"]:
            failures.append(f"outcome: 应是 {expect['outcome']}，实际是 {decision['outcome']}"
                            f"（由 {decision['rule']['id']} 决定：{decision['reason']}） — outcome differs")
        if "rule" in expect and expect["rule"] != decision["rule"]["id"]:
            failures.append(f"rule: 应由 {expect['rule']} 决定，实际是 {decision['rule']['id']} — rule differs")
        if "action" in expect and expect["action"] != decision["action"]:
            failures.append(f"action: 应是 {expect['action']}，实际是 {decision['action']} — action differs")
        if "reason_contains" in expect and expect["reason_contains"] not in decision["reason"]:
            failures.append(f"reason: 理由里应有 {expect['reason_contains']!r}，实际是 {decision['reason']!r} — reason differs")
        if "reason" in expect:
            failures += ["reason" + m.removeprefix("(value)") for m in mismatches(expect["reason"], decision["reason"])]
        if "values" in expect:
            failures += ["values." + m for m in mismatches(expect["values"], decision["values"], "", current)]
        return Result(case, failures)
    except CocreateError as exc:
        return Result(case, [f"{type(exc).__name__}: {exc}"])


def _run_event(book, case: Case) -> list[str]:
    spec = case.spec
    emits, react = REACTIONS[spec["event"]["type"]]
    data = _load_event_data(spec["event"]["type"], spec["event"]["data"])
    try:
        payload = react(book, data, spec["event"].get("id") or "case-event")
    except PolicyRefused as exc:
        if spec.get("expect_refused") is True:
            return []
        if "expect_refused" in spec:
            return ["refused" + m.removeprefix("(value)") for m in mismatches(spec["expect_refused"], str(exc))]
        return [f"事件被拒绝（会停放在 dlq）：{exc} — the event would be refused and parked"]
    if "expect_refused" in spec:
        return [f"应拒绝并停放该事件，却会发出 {emits} — expected a refusal"]
    if spec.get("expect_no_event"):
        return [] if payload is None else [f"不应发出事件，却会发出 {emits}：{payload!r} — expected no event"]
    expect = spec["expect_event"]
    if payload is None:
        return [f"应发出 {expect['type']}，却什么都不会发出 — expected an event"]
    if expect["type"] != emits:
        return [f"应发出 {expect['type']}，实际会发出 {emits} — another event"]
    from services.kernel import events
    events.make_envelope(emits, payload)  # the payload must pass its own catalogue schema
    current = book.policy(case.policy).version if case.policy else None
    return ["data." + m for m in mismatches(expect.get("data") or {}, payload, "", current)]


def _load_event_data(name: str, data: dict) -> dict:
    """Through the catalogue schema, as the service would receive it."""
    from services.kernel import catalogue  # noqa: F401  (registers event types)
    from services.kernel import events
    from marshmallow import ValidationError
    try:
        return events.get(name).schema().load(data)
    except ValidationError as exc:
        raise ValidationFailed.from_messages(exc.messages, f"the case's {name} data fails its schema") from None


def run_all(book, directory: Path) -> tuple[list[Result], list[loader.Problem]]:
    cases, problems = load_cases(directory)
    return [run_case(book, case) for case in cases], problems
