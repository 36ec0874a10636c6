"""The fixed vocabulary of calculations a policy file may name under ``compute:``.

A calculation turns the caller's facts into derived facts that the file's rules then test
(greedy allocation, weighted totals, quorum counts...). It is code, but every number it uses
comes from the file's ``params``; a file can only choose a calculation, never write one.
Each calculation lists the derived facts it adds (name -> type), so the loader can check that
a rule only tests facts that will exist.
"""
from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Callable

from services.kernel import money
from services.kernel.errors import ValidationFailed


def _fail(fact: str, message: str):
    raise ValidationFailed.from_messages({fact: [message]}, f"{fact}: {message}")


@dataclass(frozen=True)
class Computation:
    name: str
    derived: dict            # derived fact name -> type (as in a file's facts)
    run: Callable[[dict, dict], dict]
    check_params: Callable[[dict], list] = lambda params: []  # [(path, message, expected)]


def fraction(text: str) -> Fraction:
    num, den = text.split("/")
    return Fraction(int(num), int(den))


# -- 会议表决 quorum and majority ---------------------------------------------------------------

def _clause_met(clause: dict, counts: dict) -> tuple[bool, int | None]:
    """(met, the least count that meets it) for {count, of, more_than|at_least}."""
    total = counts.get(clause["of"])
    have = counts.get(clause["count"])
    if total is None or have is None:
        return False, None
    if "more_than" in clause:
        share = fraction(clause["more_than"])
        needed = math.floor(total * share) + 1
    else:
        share = fraction(clause["at_least"])
        needed = math.ceil(total * share)
    return have >= needed, needed


def _quorum(facts: dict, params: dict) -> dict:
    body = params["bodies"].get(facts["body"])
    if body is None:
        _fail("body", f"no quorum rule for {facts['body']!r}; known: {', '.join(params['bodies'])}")
    present, members = facts["present"], facts["members"]
    if present > members:
        _fail("present", f"{present} present is more than the {members} members")
    if facts.get("households_present") is not None:
        if facts.get("households") is None:
            _fail("households", "needed when households_present is given")
        if facts["households_present"] > facts["households"]:
            _fail("households_present", "more than the households")
    votes = [facts.get(k) or 0 for k in ("votes_for", "votes_against", "abstain")]
    if sum(votes) > present:
        _fail("votes_for", f"{sum(votes)} votes cast by {present} present")
    counts = {k: facts.get(k) for k in ("members", "present", "households", "households_present", "votes_for")}
    quorum_results = [_clause_met(c, counts) for c in body["quorum"]]
    quorum_met = any(met for met, _ in quorum_results)
    majority_met, majority_needed = _clause_met(body["majority"], counts)
    return {
        "quorum_met": quorum_met,
        "has_votes": facts.get("votes_for") is not None,
        "majority_met": bool(majority_met),
        "quorum_needed": quorum_results[0][1],
        "majority_needed": majority_needed,
        "body_label": body["label"],
        "fractions": {"quorum": [{k: v for k, v in c.items()} for c in body["quorum"]],
                      "majority": dict(body["majority"])},
    }


# -- 回音墙/我来提 answer deadlines and escalation -----------------------------------------------

def _deadline(facts: dict, params: dict) -> dict:
    ladder = params["ladders"][facts["kind"]]["levels"]
    level = facts["level"]
    step = ladder[min(level, len(ladder) - 1)]
    escalate_to = step.get("escalate_to") if level < len(ladder) else None
    return {"deadline_hours": step["deadline_hours"], "answerer": step["answerer"],
            "escalate_to": escalate_to, "has_next_level": escalate_to is not None}


def _deadline_check(params: dict) -> list:
    problems = []
    for kind, ladder in (params.get("ladders") or {}).items():
        levels = ladder.get("levels") or []
        for i, step in enumerate(levels[:-1]):
            if "escalate_to" not in step:
                problems.append((["params", "ladders", kind, "levels", i],
                                 "a level that is not the last must say whom it escalates to", "escalate_to"))
    return problems


# -- 参与优先 participation-first funding --------------------------------------------------------

def _money(value, fact: str) -> Decimal:
    try:
        amount = money.parse(value)
    except money.MoneyError as exc:
        _fail(fact, f"{value!r} is not an amount of yuan: {exc}")
    if amount < 0:
        _fail(fact, f"{value!r} is not a non-negative amount of yuan")
    return amount


def _parse_time(value, fact: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            _fail(fact, f"{value!r} is not an ISO date-time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _ordinal(n: int) -> str:
    return f"第{n}名"


def _participation_first(facts: dict, params: dict) -> dict:
    budget = facts["budget"]
    requests = []
    seen = set()
    for i, raw in enumerate(facts["requests"]):
        where = f"requests[{i}]"
        if not isinstance(raw, dict):
            _fail(where, "each request is an object")
        for key in ("request_id", "hamlet_id", "amount", "participation_rate", "requested_at"):
            if raw.get(key) is None:
                _fail(f"{where}.{key}", "missing")
        rate = raw["participation_rate"]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            _fail(f"{where}.participation_rate", "a number from 0 to 1")
        if raw["request_id"] in seen:
            _fail(f"{where}.request_id", f"{raw['request_id']!r} appears twice")
        seen.add(raw["request_id"])
        urgency = raw.get("urgency")
        if urgency is None:
            urgency = 0.0
        elif isinstance(urgency, bool) or not isinstance(urgency, (int, float)) or not 0 <= urgency <= 1:
            _fail(f"{where}.urgency", "a number from 0 to 1")
        requests.append({**raw, "amount": _money(raw["amount"], f"{where}.amount"),
                         "participation_rate": float(rate), "urgency": float(urgency),
                         "_at": _parse_time(raw["requested_at"], f"{where}.requested_at")})
    # 哪个垸组积极性高，哪个垸组先立项: highest participation first, then the earlier request.
    # 优先规划实施群众最关心、最紧迫的项目: with urgency_weight w > 0 the ranking is by
    # (1 - w) × participation + w × urgency (the share of households endorsing the project).
    weight = float(params.get("urgency_weight", 0) or 0)
    for request in requests:
        request["_score"] = ((1 - weight) * request["participation_rate"] + weight * request["urgency"]
                             if weight else request["participation_rate"])
    ordered = sorted(requests, key=lambda r: (-r["_score"], r["_at"], r["request_id"]))
    override = facts.get("override")
    if override is not None and params["allow_override"]:
        order = override.get("order") if isinstance(override, dict) else None
        if not isinstance(order, list) or not order:
            _fail("override.order", "the request ids in the order the operator wants")
        for key in ("by", "why"):
            if not str(override.get(key) or "").strip():
                _fail(f"override.{key}", "an override must say who made it and why")
        unknown = [r for r in order if r not in seen]
        if unknown or len(set(order)) != len(order):
            _fail("override.order", f"unknown or repeated request ids: {unknown or order}")
        by_id = {r["request_id"]: r for r in requests}
        # Requests the operator did not place keep their participation order, after the placed ones.
        ordered = [by_id[r] for r in order] + [r for r in ordered if r["request_id"] not in set(order)]
    minimum = params["min_participation"]
    remaining = budget
    ranking = []
    stopped = False
    for rank, request in enumerate(ordered, start=1):
        amount, rate = request["amount"], request["participation_rate"]
        head = f"{_ordinal(rank)}：参与率 {rate:.0%}"
        if weight:
            head += f"，紧迫度 {request['urgency']:.0%}，综合 {request['_score']:.0%}"
        if override is not None and params["allow_override"] and request["request_id"] in override["order"]:
            head += f"（{override['by']} 调整顺序：{override['why']}）"
        if rate < minimum:
            funded, reason = False, f"{head}，低于最低参与率 {minimum:.0%}，不予资助"
        elif stopped:
            funded, reason = False, f"{head}，前序申请未能足额资助，本轮到此为止"
        elif amount <= remaining:
            funded, reason = True, f"{head}，申请 {amount} 元，剩余 {remaining} 元够用，予以资助"
            remaining -= amount
        else:
            funded = False
            reason = f"{head}，申请 {amount} 元超过剩余 {remaining} 元，跳过"
            if not params["skip_what_does_not_fit"]:
                stopped = True
        entry = {"request_id": request["request_id"], "hamlet_id": request["hamlet_id"], "rank": rank,
                 "participation_rate": rate, "amount": str(amount), "funded": funded,
                 "granted": str(amount if funded else Decimal("0.00")), "reason": reason,
                 "requested_at": _parse_time(request["requested_at"], "requested_at").isoformat()}
        if request.get("project_id") is not None:
            entry["project_id"] = request["project_id"]
        if weight:
            entry["urgency"], entry["score"] = request["urgency"], round(request["_score"], 6)
        ranking.append(entry)
    return {
        "ranking": ranking, "remaining": str(remaining),
        "has_override": override is not None, "override_allowed": bool(params["allow_override"]),
        "request_count": len(ranking), "funded_count": sum(1 for r in ranking if r["funded"]),
        "granted_total": str(budget - remaining),
    }


def _funding_check(params: dict) -> list:
    weight = params.get("urgency_weight", 0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
        return [(["params", "urgency_weight"], f"{weight!r} is not a weight", "a number from 0 to 1")]
    return []


# -- 乡风文明积分 the deed catalogue ------------------------------------------------------------

def _deed_catalogue(facts: dict, params: dict) -> dict:
    deed = params["deeds"].get(facts["deed_code"])
    if deed is None:
        return {"deed_known": False, "deed_points": 0, "deed_label": None, "deed_cap": None}
    return {"deed_known": True, "deed_points": deed["points"], "deed_label": deed["label"],
            "deed_cap": deed["cap_per_period"]}


def quarter_of(params: dict, day: date) -> dict:
    """The quarterly rating window (from the civility file's ``quarters``) that holds ``day``."""
    key = day.strftime("%m-%d")
    for quarter in params["quarters"]:
        if quarter["start"] <= key <= quarter["end"]:
            start = date(day.year, *map(int, quarter["start"].split("-")))
            end = date(day.year, *map(int, quarter["end"].split("-")))
            return {"name": quarter["name"], "start": start.isoformat(), "end": end.isoformat()}
    raise ValidationFailed({"message": f"{day} is in no rating window of the civility file"})


def _sources_check(params: dict) -> list:
    """Every deed a source of points names is in the catalogue."""
    deeds, problems = params.get("deeds") or {}, []
    sources = params.get("sources") or {}
    named = [(["params", "sources", "inspection", grade, "deed"], spec.get("deed"))
             for grade, spec in (sources.get("inspection") or {}).items() if isinstance(spec, dict)]
    named += [(["params", "sources", "rating", "deed"], (sources.get("rating") or {}).get("deed"))]
    named += [(["params", "sources", "labour", how], deed) for how, deed in (sources.get("labour") or {}).items()]
    for path, deed in named:
        if deed is not None and deed not in deeds:
            problems.append((path, f"积分来源指向的事项 {deed!r} 不在 deeds 目录里 — source names a deed not in the catalogue",
                             f"deeds 里已有的代码之一，或先在 deeds 里加上 {deed}"))
    return problems


def _quarters_check(params: dict) -> list:
    """The four windows must cover the year without gaps or overlaps; sources name known deeds."""
    return _windows_check(params) + _sources_check(params)


def _windows_check(params: dict) -> list:
    quarters = params.get("quarters") or []
    try:
        days = set()
        for q in quarters:
            start = date(2024, *map(int, q["start"].split("-")))
            end = date(2024, *map(int, q["end"].split("-")))
            span = {start + timedelta(d) for d in range((end - start).days + 1)}
            if span & days or end < start:
                return [(["params", "quarters"], f"window {q['name']} overlaps another or ends before it starts",
                         "four windows that do not overlap")]
            days |= span
    except (ValueError, KeyError, TypeError):
        return [(["params", "quarters"], "a window date is not a real day", "MM-DD dates")]
    if len(days) != 366:
        return [(["params", "quarters"], "the windows leave days of the year uncovered",
                 "four windows covering 01-01 to 12-31")]
    return []


# -- 评星评优 titles -----------------------------------------------------------------------------

def _titles(facts: dict, params: dict) -> dict:
    nominations = set(facts.get("nominations") or [])
    unknown = nominations - set(params["titles"])
    if unknown:
        _fail("nominations", f"unknown titles: {', '.join(sorted(unknown))}")
    earned, reasons = [], {}
    for code, title in params["titles"].items():
        missing = []
        if facts["honour_points"] < title["min_honour_points"]:
            missing.append(f"荣誉积分 {facts['honour_points']} < {title['min_honour_points']}")
        if facts["rating_stars"] < title["min_stars"]:
            missing.append(f"星级 {facts['rating_stars']} < {title['min_stars']}")
        if title["requires_nomination"] and code not in nominations:
            missing.append("未获提名")
        if missing:
            reasons[code] = f"{title['label']}：" + "，".join(missing)
        else:
            earned.append(code)
            reasons[code] = f"{title['label']}：达标"
    return {"titles": earned, "title_count": len(earned), "title_reasons": reasons}


# -- 党员评议 party-member assessment -----------------------------------------------------------

def _party_assessment(facts: dict, params: dict) -> dict:
    category = params["categories"][facts["category"]]
    score = category["base"]
    veto = []
    items = []
    for field_name, table in (("positives", category["positives"]), ("negatives", category["negatives"])):
        for i, code in enumerate(facts.get(field_name) or []):
            item = table.get(code)
            if item is None:
                _fail(f"{field_name}[{i}]", f"{code!r} is not on the {category['label']} {field_name} list")
            score += item["points"]
            items.append({"code": code, "label": item["label"], "points": item["points"]})
            if item.get("veto"):
                veto.append(code)
    return {"score": score, "base": category["base"], "has_veto": bool(veto), "veto": veto,
            "items": items, "category_label": category["label"]}


def _party_check(params: dict) -> list:
    grades = params.get("grades") or {}
    try:
        if not grades["excellent"] > grades["qualified"] > grades["basically_qualified"]:
            return [(["params", "grades"], "grades out of order",
                     "excellent > qualified > basically_qualified")]
    except (KeyError, TypeError):
        return []
    problems = []
    for name, category in (params.get("categories") or {}).items():
        for code, item in (category.get("negatives") or {}).items():
            if isinstance(item, dict) and isinstance(item.get("points"), int) and item["points"] > 0:
                problems.append((["params", "categories", name, "negatives", code, "points"],
                                 "a negative item adds points", "zero or a negative number"))
        for code, item in (category.get("positives") or {}).items():
            if isinstance(item, dict) and isinstance(item.get("points"), int) and item["points"] < 0:
                problems.append((["params", "categories", name, "positives", code, "points"],
                                 "a positive item removes points", "zero or a positive number"))
    return problems


# -- 半年评议 reviews ----------------------------------------------------------------------------

def _review_schedule(facts: dict, params: dict) -> dict:
    """半年评议: ``check: schedule`` (the default) places a subject in the half-year review of the
    half year that contains ``since`` (Asia/Shanghai, services.kernel.periods); ``check:
    satisfaction`` counts a body's 满意 / 基本满意 / 不满意 into a satisfaction rate."""
    if facts.get("check") == "satisfaction":
        return _satisfaction(facts, params)
    for name in ("kind", "since", "now"):
        if facts.get(name) is None:
            _fail(name, "needed for a schedule check")
    from services.kernel import periods
    kind = params["kinds"][facts["kind"]]
    calendar_ = params["calendar"]
    since, now = facts["since"], facts["now"]
    _window, _start, end = periods.bounds(periods.half_of(since))
    due = end - timedelta(days=calendar_["opens_days_before_end"])
    overdue_at = end + timedelta(days=kind["grace_days"])
    return {
        "due_at": due.isoformat(), "overdue_at": overdue_at.isoformat(),
        "days_past_due": (now - due).total_seconds() / 86400,
        "days_past_overdue": (now - overdue_at).total_seconds() / 86400,
        "half_year": periods.half_of(since),
        "grace_days": kind["grace_days"], "reviewers": list(kind["reviewers"]),
        "escalate_to": kind["escalate_to"], "kind_label": kind["label"],
        "respondents": 0, "satisfaction_rate": 0,
    }


def _satisfaction(facts: dict, params: dict) -> dict:
    counts = {}
    for name in ("satisfied", "basically_satisfied", "unsatisfied"):
        if facts.get(name) is None:
            _fail(name, "needed for a satisfaction check")
        counts[name] = facts[name]
    respondents = sum(counts.values())
    if respondents == 0:
        _fail("satisfied", "nobody answered: at least one of the three counts is above zero")
    counted = counts["satisfied"] + (counts["basically_satisfied"] if params["satisfaction"]["count_basically"] else 0)
    return {"due_at": "", "overdue_at": "", "days_past_due": 0, "days_past_overdue": 0, "half_year": "",
            "grace_days": 0, "reviewers": [], "escalate_to": "", "kind_label": "",
            "respondents": respondents, "satisfaction_rate": round(counted / respondents, 4)}


# -- 最美垸落 weighted scores --------------------------------------------------------------------

def _weighted_score(facts: dict, params: dict) -> dict:
    scores = facts["scores"]
    criteria = params["criteria"]
    missing = [c for c in criteria if c not in scores]
    extra = [c for c in scores if c not in criteria]
    if missing or extra:
        _fail("scores", f"needs exactly the criteria {', '.join(criteria)}"
              + (f"; missing {', '.join(missing)}" if missing else "")
              + (f"; unknown {', '.join(extra)}" if extra else ""))
    for name, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            _fail(f"scores.{name}", "a score from 0 to 100")
    total = sum(scores[c] * criteria[c]["weight"] for c in criteria)
    total += facts["satisfaction"] * 100 * params["satisfaction_weight"]
    return {"total": round(total, 2), "weights": {**{c: criteria[c]["weight"] for c in criteria},
                                                   "satisfaction": params["satisfaction_weight"]}}


def _weights_check(params: dict) -> list:
    try:
        total = sum(Fraction(str(c["weight"])) for c in params["criteria"].values())
        total += Fraction(str(params["satisfaction_weight"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return []
    if total != 1:
        return [(["params", "criteria"], f"the weights add up to {float(total):g}",
                 "weights (with satisfaction_weight) adding up to 1")]
    return []


# -- 出力 labour leadership ---------------------------------------------------------------------

def _leadership(facts: dict, params: dict) -> dict:
    if facts["check"] == "eligibility":
        needed = ["project_scope", "contributor_hamlet_id"]
        if facts.get("project_scope") == "hamlet":
            needed.append("project_hamlet_id")   # a village project (全村事大家上) may have no hamlet
        for key in needed:
            if facts.get(key) is None:
                _fail(key, "needed for an eligibility check")
        other = (facts["project_scope"] == "hamlet"
                 and facts["contributor_hamlet_id"] != facts["project_hamlet_id"])
        return {"leaders_among_first": 0, "first_n": params["leadership"]["first_n"],
                "from_other_hamlet": other,
                "other_hamlet_policy": params.get("other_hamlet", "allow"),
                # 计入项目所在垸组: a hamlet project's labour counts for its hamlet
                "counted_hamlet_id": facts.get("project_hamlet_id") or facts["contributor_hamlet_id"]}
    first = facts.get("first_contributors")
    if first is None:
        _fail("first_contributors", "needed for a leadership check")
    first_n = params["leadership"]["first_n"]
    leaders = 0
    for i, person in enumerate(first[:first_n]):
        if not isinstance(person, dict):
            _fail(f"first_contributors[{i}]", "an object with party_member and cadre")
        leaders += bool(person.get("party_member") or person.get("cadre"))
    return {"leaders_among_first": leaders, "first_n": first_n, "from_other_hamlet": False,
            "other_hamlet_policy": params.get("other_hamlet", "allow"), "counted_hamlet_id": None}


OTHER_HAMLET = ("allow", "flag", "refuse")


def _labour_check(params: dict) -> list:
    if params.get("other_hamlet", "allow") not in OTHER_HAMLET:
        return [(["params", "other_hamlet"], f"{params.get('other_hamlet')!r} is not a choice",
                 " | ".join(OTHER_HAMLET))]
    return []


COMPUTATIONS = {c.name: c for c in [
    Computation("quorum", {"quorum_met": "boolean", "has_votes": "boolean", "majority_met": "boolean",
                           "quorum_needed": "integer", "majority_needed": "integer",
                           "body_label": "string", "fractions": "object"}, _quorum),
    Computation("deadline", {"deadline_hours": "number", "answerer": "string", "escalate_to": "string",
                             "has_next_level": "boolean"}, _deadline, _deadline_check),
    Computation("participation_first", {"ranking": "list", "remaining": "money",
                                        "has_override": "boolean", "override_allowed": "boolean",
                                        "request_count": "integer", "funded_count": "integer",
                                        "granted_total": "money"}, _participation_first, _funding_check),
    Computation("deed_catalogue", {"deed_known": "boolean", "deed_points": "integer",
                                   "deed_label": "string", "deed_cap": "integer"},
                _deed_catalogue, _quarters_check),
    Computation("titles", {"titles": "list", "title_count": "integer", "title_reasons": "object"}, _titles),
    Computation("party_assessment", {"score": "number", "base": "number", "has_veto": "boolean",
                                     "veto": "list", "items": "list", "category_label": "string"},
                _party_assessment, _party_check),
    Computation("review_schedule", {"due_at": "string", "overdue_at": "string", "days_past_due": "number",
                                    "days_past_overdue": "number", "half_year": "string",
                                    "grace_days": "number", "reviewers": "list", "escalate_to": "string",
                                    "kind_label": "string", "respondents": "integer",
                                    "satisfaction_rate": "number"}, _review_schedule),
    Computation("weighted_score", {"total": "number", "weights": "object"}, _weighted_score, _weights_check),
    Computation("leadership", {"leaders_among_first": "integer", "first_n": "integer",
                               "from_other_hamlet": "boolean", "other_hamlet_policy": "string",
                               "counted_hamlet_id": "string"}, _leadership, _labour_check),
]}
