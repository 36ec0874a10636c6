"""What the law and the seeds imply, checked before anything is published.

A file can be valid YAML, match the schema and pass the staff's own cases, and still say
something no village may do: a villagers' meeting deciding with a third present, littering that
earns points. Each check gives a :class:`Problem` that is either an error (publishing refuses)
or a warning (publishing needs ``--accept-warnings``, and the warning is stored with the version).

Legal minimums: 《村民委员会组织法》 art. 22 (villagers' meeting: more than half of adult villagers,
or two thirds of households, present; decided by more than half of those present), art. 26
(representatives' assembly: two thirds of its members present; more than half of those
present), art. 28 (hamlet meeting: two thirds of villagers or of households present).
"""
from __future__ import annotations

from fractions import Fraction

from .loader import Policy, Problem

MORE_THAN, AT_LEAST = "more_than", "at_least"
_ZH = {MORE_THAN: "超过", AT_LEAST: "达到"}

# body -> {the count it is a share of: (minimum share, how it is compared)}; the law's words.
LAW_QUORUM = {
    "villagers_meeting": {"members": (Fraction(1, 2), MORE_THAN), "households": (Fraction(2, 3), AT_LEAST)},
    "representatives_assembly": {"members": (Fraction(2, 3), AT_LEAST)},
    "hamlet_meeting": {"members": (Fraction(2, 3), AT_LEAST), "households": (Fraction(2, 3), AT_LEAST)},
}
LAW_ARTICLE = {"villagers_meeting": "第二十二条", "representatives_assembly": "第二十六条",
               "hamlet_meeting": "第二十八条"}
MAJORITY = (Fraction(1, 2), MORE_THAN)  # of those present, for every body the law names
CUSTOM = (Fraction(1, 2), MORE_THAN)    # bodies the law does not name: a warning below this


def _share(entry: dict) -> tuple[Fraction, str] | None:
    for mode in (MORE_THAN, AT_LEAST):
        if mode in entry:
            num, den = str(entry[mode]).split("/")
            return Fraction(int(num), int(den)), mode
    return None


def _weaker(share: tuple[Fraction, str], minimum: tuple[Fraction, str]) -> bool:
    """True when ``share`` lets through a meeting the minimum would not."""
    value, mode = share
    least, least_mode = minimum
    if value != least:
        return value < least
    return mode == AT_LEAST and least_mode == MORE_THAN  # "at least 1/2" admits exactly half


def _words(share: tuple[Fraction, str]) -> str:
    return f"{_ZH[share[1]]} {share[0].numerator}/{share[0].denominator}"


def check(policies: dict[str, Policy]) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) over the whole set of files."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if "quorum" in policies:
        _quorum(policies["quorum"], errors, warnings)
    if "civility_points" in policies:
        _deeds(policies["civility_points"], errors, warnings)
    return errors, warnings


def _quorum(policy: Policy, errors: list, warnings: list) -> None:
    line = policy.source.line_of if policy.source else (lambda path: None)
    for body, spec in (policy.params.get("bodies") or {}).items():
        label = spec.get("label") or body
        law = LAW_QUORUM.get(body)
        for index, entry in enumerate(spec.get("quorum") or []):
            share = _share(entry)
            if share is None:
                continue
            path = ["params", "bodies", body, "quorum", index]
            if law is None:
                if _weaker(share, CUSTOM) and entry.get("of") != "present":
                    warnings.append(Problem(
                        policy.file, line(path),
                        f"{label}的法定人数 {_words(share)} 低于过半数 — quorum below a majority of {entry.get('of')}",
                        f"more_than: \"1/2\" 或更高；确需更低请写明依据后用 --accept-warnings 发布"))
                continue
            minimum = law.get(entry.get("of"))
            if minimum is None:
                errors.append(Problem(
                    policy.file, line(path),
                    f"{label}的法定人数只能按{'、'.join(law)}计算（组织法{LAW_ARTICLE[body]}），不能按 {entry.get('of')}"
                    f" — quorum of {body} counted against {entry.get('of')!r}",
                    "of: " + " 或 ".join(law)))
            elif _weaker(share, minimum):
                errors.append(Problem(
                    policy.file, line(path),
                    f"{label}的法定人数 {_words(share)} 低于《村民委员会组织法》{LAW_ARTICLE[body]}的最低要求"
                    f"（{_words(minimum)}） — quorum below the Organic Law minimum",
                    f"{minimum[1]}: \"{minimum[0].numerator}/{minimum[0].denominator}\" 或更高"))
        majority = spec.get("majority") or {}
        share = _share(majority)
        if share is None:
            continue
        path = ["params", "bodies", body, "majority"]
        weak = _weaker(share, MAJORITY) or majority.get("of") not in ("present", "members")
        if weak and body in LAW_QUORUM:
            errors.append(Problem(
                policy.file, line(path),
                f"{label}的表决多数 {_words(share)}（of: {majority.get('of')}）低于组织法{LAW_ARTICLE[body]}"
                f"的“到会人员过半数” — majority below the Organic Law minimum",
                "{count: votes_for, of: present, more_than: \"1/2\"} 或更高"))
        elif weak:
            warnings.append(Problem(
                policy.file, line(path),
                f"{label}的表决多数 {_words(share)} 低于过半数 — majority below one half",
                "more_than: \"1/2\" 或更高；确需更低请用 --accept-warnings 发布"))


def _deeds(policy: Policy, errors: list, warnings: list) -> None:
    line = policy.source.line_of if policy.source else (lambda path: None)
    for code, deed in (policy.params.get("deeds") or {}).items():
        path = ["params", "deeds", code]
        points, cap, kind = deed.get("points"), deed.get("cap_per_period"), deed.get("kind")
        label = deed.get("label") or code
        if not isinstance(points, int):
            continue
        if kind == "penalty" and points > 0:
            errors.append(Problem(
                policy.file, line(path + ["points"]),
                f"{label}是扣分事项（kind: penalty），分值却是正数 {points} — a penalty must be negative",
                f"points: -{points}"))
        elif kind == "reward" and points < 0:
            errors.append(Problem(
                policy.file, line(path + ["points"]),
                f"{label}是加分事项（kind: reward），分值却是负数 {points} — a reward must be positive",
                f"points: {-points}"))
        elif kind is None:
            warnings.append(Problem(
                policy.file, line(path),
                f"{label}没有写明是加分还是扣分 — deed without kind",
                "kind: reward（加分）或 kind: penalty（扣分）"))
        if isinstance(cap, int) and cap < abs(points):
            warnings.append(Problem(
                policy.file, line(path + ["cap_per_period"]),
                f"{label}每季度上限 {cap} 分低于一次的分值 {abs(points)} 分，一次都记不满 — cap below one deed's points",
                f"cap_per_period: {abs(points)} 或更高"))
