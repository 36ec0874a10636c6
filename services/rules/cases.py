"""Policy staff's test cases (``rules/tests/<area>.yaml``): given facts, expect a decision.

A case names facts under ``given`` and what it expects under ``expect`` (outcome, rule, words
the reason must contain, and any values: only the values written are compared, lists item by
item). ``expect_error: {fact: x}`` expects the facts to be refused naming ``x``. A case may
instead give an ``event`` (good_deed.verified, funding_round.closed) and expect the event the
rules service emits. Run them with ``cocreate rules test``; pytest runs them too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from services.kernel.errors import CocreateError, ValidationFailed

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
    cases, problems = [], []
    for path in sorted(Path(directory).glob("*.yaml")):
        display = loader._display(path)  # noqa: SLF001  same file naming as the policies
        source, read_problems = loader.read_yaml(path, display)
        problems += read_problems
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
                                               f"case name {spec['name']!r} is used twice", "unique names"))
            names.add(spec["name"])
            cases.append(Case(display, source.line_of(["cases", index]), source.data["policy"],
                              spec["name"], spec))
    return cases, problems


def mismatches(expected, actual, path: str = "") -> list[str]:
    """What differs, where only what ``expected`` mentions counts."""
    where = path or "(value)"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        out = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{path + '.' if path else ''}{key}: missing (expected {value!r})")
            else:
                out += mismatches(value, actual[key], f"{path + '.' if path else ''}{key}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items {expected!r}, got {actual!r}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += mismatches(e, a, f"{path}[{i}]")
        return out
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, str):
        try:  # money travels as text: "50000.00" is what a case writes as 50000
            return [] if float(actual) == float(expected) else [f"{where}: expected {expected!r}, got {actual!r}"]
        except ValueError:
            pass
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return [] if abs(expected - actual) < 1e-9 else [f"{where}: expected {expected!r}, got {actual!r}"]
    if expected != actual or isinstance(expected, bool) != isinstance(actual, bool):
        return [f"{where}: expected {expected!r}, got {actual!r}"]
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
                              [f"refused, but naming {sorted(named)} rather than {wanted!r}: {exc}"])
            return Result(case, [f"facts refused: {exc} {exc.detail.get('fields', '')}"])
        if "expect_error" in spec:
            return Result(case, [f"expected the facts to be refused naming {spec['expect_error']['fact']!r}, "
                                 f"but {decision['rule']['id']} decided {decision['outcome']}"])
        expect = spec["expect"]
        failures = []
        if "outcome" in expect and expect["outcome"] != decision["outcome"]:
            failures.append(f"outcome: expected {expect['outcome']}, got {decision['outcome']} "
                            f"(by {decision['rule']['id']}: {decision['reason']})")
        if "rule" in expect and expect["rule"] != decision["rule"]["id"]:
            failures.append(f"rule: expected {expect['rule']}, got {decision['rule']['id']}")
        if "action" in expect and expect["action"] != decision["action"]:
            failures.append(f"action: expected {expect['action']}, got {decision['action']}")
        if "reason_contains" in expect and expect["reason_contains"] not in decision["reason"]:
            failures.append(f"reason: expected it to contain {expect['reason_contains']!r}, got {decision['reason']!r}")
        if "values" in expect:
            failures += ["values." + m for m in mismatches(expect["values"], decision["values"])]
        return Result(case, failures)
    except CocreateError as exc:
        return Result(case, [f"{type(exc).__name__}: {exc}"])


def _run_event(book, case: Case) -> list[str]:
    spec = case.spec
    emits, react = REACTIONS[spec["event"]["type"]]
    data = _load_event_data(spec["event"]["type"], spec["event"]["data"])
    payload = react(book, data, spec["event"].get("id") or "case-event")
    if spec.get("expect_no_event"):
        return [] if payload is None else [f"expected no event, but {emits} would carry {payload!r}"]
    expect = spec["expect_event"]
    if payload is None:
        return [f"expected {expect['type']}, but nothing would be emitted"]
    if expect["type"] != emits:
        return [f"expected {expect['type']}, but {emits} would be emitted"]
    from services.kernel import events
    events.make_envelope(emits, payload)  # the payload must pass its own catalogue schema
    return ["data." + m for m in mismatches(expect.get("data") or {}, payload)]


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
