"""Recording a contribution: the ledger entry and everything it changes elsewhere.

The ledger (``ledger``) only appends. What an entry changes is decided here, in one place:
the hamlet's participation rate, the project's labour leadership (``projects``) and, for money
on a project, funding (``funding.money_arrived``, its one hook).

Every policy answer an entry needs is asked before anything is written. Under eventlet a
worker that waits on an RPC while holding SQLite's write lock stalls every other writer of the
process (the outbox relay included); so a transaction asks first, then writes without waiting.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import batches, periods
from services.kernel.db import get_or_404, known
from services.kernel.errors import NotFound, PolicyRefused, ValidationFailed
from services.kernel.policy import decide, decide_many, params, rule_ref

from . import funding, ledger, models, participation, projects


def _who(session: Session, data: dict) -> dict:
    """One contribution's own checks before any policy is asked: who gave, on what."""
    data = ledger.check_kind(dict(data))
    household, resident = ledger.who(session, data)
    grant = data["kind"] == "money" and data.get("source") == "grant"
    if household is None and not grant:
        raise ValidationFailed.from_messages(
            {"household_id": ["a contribution is tied to a resident or a household"]})
    project = None
    if data.get("project_id"):
        project = get_or_404(session, models.Project, data["project_id"], "project")
    if data["kind"] == "money" and data["source"] in ("grant", "sponsor"):
        # 向上争一点、能人帮一点: only against the project's approved funding, within its plan
        funding.check_money(session, project, data["source"], data["amount"])
    if data["kind"] == "labour" and project is None:
        raise ValidationFailed.from_messages({"project_id": ["labour is given on a project"]})
    person = projects.person_key(resident.id if resident else None, household.id if household else None)
    return {"data": data, "household": household, "resident": resident, "project": project, "person": person}


def _place(session: Session, row: dict, eligibility: dict | None) -> dict:
    """Where the entry counts, once the labour rule has answered (``eligibility``), and any flag."""
    data, household, project = row["data"], row["household"], row["project"]
    # 计入项目所在垸组: labour on a hamlet's project counts for that hamlet, whoever gave it.
    counted = (eligibility["values"].get("counted_hamlet_id")
               if eligibility and project.scope == "hamlet" else None)
    if counted and data.get("hamlet_id") and data["hamlet_id"] != counted:
        raise ValidationFailed.from_messages(
            {"hamlet_id": [f"labour on project {project.id} counts for hamlet {counted}"]})
    hamlet_id = counted or data.get("hamlet_id") or (household.hamlet_id if household else None) or (
        project.hamlet_id if project else None)
    if hamlet_id is None:
        raise ValidationFailed.from_messages({"hamlet_id": ["required for a grant without a hamlet project"]})
    hamlet = known(session, models.Hamlet, hamlet_id, "hamlet_id", "hamlet")
    if project is not None and hamlet.village_id != project.village_id:
        raise ValidationFailed.from_messages(
            {"project_id": [f"project {project.id} is not in the village of hamlet {hamlet.id}"]})
    flag = None
    if eligibility is not None and eligibility["outcome"] == "flagged":
        # 邻组帮忙，标记核实: recorded and counted, with the rule's flag on the entry for the cadres
        flag = {"code": "other_hamlet", "reason": eligibility["reason"], "rule": rule_ref(eligibility)}
    return {**row, "hamlet": hamlet, "flag": flag}


def record(session: Session, policy, now: datetime, data: dict) -> models.LedgerEntry:
    """Append one contribution; everything is checked before anything is written."""
    row = _who(session, data)
    data, household, project = row["data"], row["household"], row["project"]
    hours, labour, eligibility = None, {}, None
    if data["kind"] == "labour":
        eligibility = _check_eligibility(policy, project, household)
    row = _place(session, row, eligibility)
    if data["kind"] == "labour":
        labour = params(policy, "labour")["params"]
        hours = ledger.labour_hours(labour, data["quantity"], data["unit"])
    prepared = _prepare(session, policy, data["kind"], data.get("project_id"),
                        add_persons=[row["person"]] if data["kind"] == "labour" else (),
                        crowd_delta=data["amount"] if data.get("source") == "crowd" else Decimal(0),
                        first_n=projects.first_n(labour))
    entry = ledger.append(session, now, data, household, row["resident"], row["hamlet"].id, hours=hours,
                          flag=row["flag"])
    _after(session, now, [entry], prepared)
    return entry


def _preload(session: Session, rows: list[dict]) -> list:
    """The batch's households, residents, projects and hamlets in a few queries: the checks of
    each row then find them in the session, asking the database nothing more — as long as the
    caller holds the list returned (the session's identity map keeps only weak references: the
    rows dropped here were read again one query each)."""
    def ids(name):
        return sorted({r[name] for r in rows if r.get(name)})

    def load(model, wanted, column=None):
        column = column if column is not None else model.id
        found = []
        for start in range(0, len(wanted), 500):
            found.extend(session.scalars(select(model).where(column.in_(wanted[start:start + 500]))))
        return found

    residents = load(models.Resident, ids("resident_id"))
    households = load(models.Household, sorted(set(ids("household_id")) | {r.household_id for r in residents}))
    found_projects = load(models.Project, ids("project_id"))
    hamlets = load(models.Hamlet, sorted(set(ids("hamlet_id")) | {h.hamlet_id for h in households}
                                         | {p.hamlet_id for p in found_projects if p.hamlet_id}))
    return residents + households + found_projects + hamlets


def record_batch(session: Session, policy, now: datetime, rows: list[dict], lines: list[int] | None = None,
                 recorded_by: str | None = None) -> list[dict]:
    """A work day's labour list or a month's contributions, in one transaction: every row is
    checked first (an error names its row and field, and nothing is written), the labour rule
    decides every row's eligibility in one call, and the entries, their effects and one
    ``contribution.batch_recorded`` are written together."""
    lines = lines or list(range(1, len(rows) + 1))
    preloaded = _preload(session, rows)  # noqa: F841  held: the checks below find these in the session
    errors: dict[str, list[str]] = {}

    def each(rows_in, check):
        done = []
        for index, row in rows_in:
            try:
                done.append((index, check(index, row)))
            except (ValidationFailed, NotFound) as exc:
                fields = exc.detail.get("fields") or {exc.detail.get("kind") or "row": [exc.detail["message"]]}
                for field, messages in fields.items():
                    errors[f"entries.{index}.{field}"] = [batches.row_message(lines[index], field, m) for m in messages]
        if errors:
            raise ValidationFailed.from_messages(errors, batches.NOTHING_SAVED)
        return done

    found = each(enumerate(rows), lambda _i, data: _who(session, data))
    # the plan caps a project's grant and sponsor money for the batch as a whole, not row by row
    capped: dict[tuple, list] = {}
    for index, row in found:
        data = row["data"]
        if data["kind"] == "money" and data.get("source") in ("grant", "sponsor") and row["project"] is not None:
            capped.setdefault((row["project"].id, data["source"]), []).append((index, row))
    # a group's error names its last row, the one that went over the plan
    each([(group[-1][0], [row for _i, row in group]) for group in capped.values() if len(group) > 1],
         lambda _i, group: funding.check_money(session, group[0]["project"], group[0]["data"]["source"],
                                               sum((r["data"]["amount"] for r in group), Decimal(0))))
    labour_rows = [i for i, row in found if row["data"]["kind"] == "labour"]
    eligibility: dict[int, dict] = {}
    labour = {}
    if labour_rows:
        decisions = decide_many(policy, "labour", [
            _eligibility_facts(found[i][1]["project"], found[i][1]["household"]) for i in labour_rows],
            outcomes={"allowed", "flagged", "refused"})
        eligibility = dict(zip(labour_rows, decisions))
        refused = {f"entries.{i}": [batches.row_message(lines[i], "household_id", d["reason"] or "labour refused by rule")]
                   for i, d in eligibility.items() if d["outcome"] == "refused"}
        if refused:
            first = next(d for d in decisions if d["outcome"] == "refused")
            raise PolicyRefused({"message": "按规则不能登记这些出力，整批都没有保存 — labour refused by rule; nothing was saved",
                                 "fields": refused, "rule": rule_ref(first)})
        labour = params(policy, "labour")["params"]
    checked = [row for _i, row in each(found, lambda i, row: _place(session, row, eligibility.get(i)))]
    n = projects.first_n(labour)
    prepared = {"participation": participation.rules(policy), "leadership": {}, "release": {}}
    by_project: dict[str, dict] = {}
    for row in checked:
        data = row["data"]
        if data.get("project_id"):
            item = by_project.setdefault(data["project_id"], {"persons": [], "crowd": Decimal(0), "money": False})
            if data["kind"] == "labour":
                item["persons"].append(row["person"])
            if data["kind"] == "money":
                item["money"] = True
                item["crowd"] += data["amount"] if data.get("source") == "crowd" else Decimal(0)
    for project_id, item in by_project.items():
        if item["persons"]:
            prepared["leadership"][project_id] = projects.leadership_decision(
                session, policy, project_id, item["persons"], n)
        if item["money"]:
            prepared["release"][project_id] = funding.release_decision(session, policy, project_id, item["crowd"])
    written = ledger.append_many(session, now, [
        (row["data"], row["household"], row["resident"], row["hamlet"].id,
         ledger.labour_hours(labour, row["data"]["quantity"], row["data"]["unit"])
         if row["data"]["kind"] == "labour" else None, {"flag": row["flag"]}) for row in checked],
        recorded_by=recorded_by)
    _after(session, now, written, prepared)
    villages = {row["hamlet"].id: row["hamlet"].village_id for row in checked}
    return [{"entry_id": e.id, "kind": e.kind, "household_id": e.household_id, "resident_id": e.resident_id,
             "hamlet_id": e.hamlet_id, "village_id": villages[e.hamlet_id], "project_id": e.project_id,
             "hours": None if e.hours is None else str(e.hours),
             "amount": None if e.amount is None else str(e.amount)} for e in written]


def reverse(session: Session, policy, now: datetime, entry_id: str, reason: str,
            recorded_by: str | None = None) -> models.LedgerEntry:
    """Correct a mistake: append the original negated. An entry is reversed at most once."""
    original = ledger.check_reversible(session, entry_id)
    labour = params(policy, "labour")["params"] if original.kind == "labour" and original.project_id else {}
    prepared = _prepare(session, policy, original.kind, original.project_id, drop_entry_id=original.id,
                        crowd_delta=-original.amount if original.source == "crowd" else Decimal(0),
                        first_n=projects.first_n(labour))
    entry = ledger.append_reversal(session, now, original, reason, recorded_by)
    # The original's period is the one whose participation changes.
    _after(session, now, [entry], prepared, at=original.recorded_at)
    return entry


def _eligibility_facts(project, household) -> dict:
    """A village project has no hamlet of its own: only the contributor's hamlet is asked about then."""
    facts = {"check": "eligibility", "project_scope": project.scope, "contributor_hamlet_id": household.hamlet_id}
    if project.hamlet_id is not None:
        facts["project_hamlet_id"] = project.hamlet_id
    return facts


def _check_eligibility(policy, project, household) -> dict:
    """小组事小组上，全村事大家上: the labour rule says whether a neighbour's labour is recorded
    (allowed, flagged for the cadres, or refused) and for which hamlet it counts."""
    decision = decide(policy, "labour", _eligibility_facts(project, household),
                      outcomes={"allowed", "flagged", "refused"})
    if decision["outcome"] == "refused":
        raise PolicyRefused({"message": decision["reason"] or "labour refused by rule",
                             "reason": decision["reason"], "rule": rule_ref(decision)})
    return decision


def _prepare(session: Session, policy, kind: str, project_id: str | None, *, add_persons=(),
             drop_entry_id: str | None = None, crowd_delta: Decimal = Decimal(0), first_n: int = projects.FIRST_N) -> dict:
    """Every policy answer an entry needs, asked on the entry about to be written."""
    prepared = {"participation": participation.rules(policy), "leadership": {}, "release": {}}
    if kind == "labour" and project_id:
        prepared["leadership"][project_id] = projects.leadership_decision(
            session, policy, project_id, add_persons, first_n, drop_entry_id)
    if kind == "money" and project_id:
        prepared["release"][project_id] = funding.release_decision(session, policy, project_id, crowd_delta)
    return prepared


def _after(session: Session, now, entries: list[models.LedgerEntry], prepared: dict, at=None) -> None:
    """What entries change elsewhere: participation (once per hamlet and period), labour
    leadership and funding (once per project)."""
    rule, touched = prepared["participation"], {}  # (hamlet, period) -> (when, {household: [entry ids]})
    for entry in entries:
        if entry.household_id is not None:
            household = session.get(models.Household, entry.household_id)
            when = at or entry.recorded_at
            key = (household.hamlet_id, periods.period_of(when, rule["window"]))
            touched.setdefault(key, (when, {}))[1].setdefault(entry.household_id, []).append(entry.id)
    if len(entries) == 1 and touched:  # one entry: its household's own change, no recount
        [((hamlet_id, _period), (when, _households))] = touched.items()
        participation.count_household(session, rule, hamlet_id, entries[0].household_id, when,
                                      [entries[0].id], now=entries[0].recorded_at)
    elif any(entry.reversal_of for entry in entries):  # never so today: a batch only appends
        for (hamlet_id, _period), (when, _households) in sorted(touched.items()):
            participation.refresh(session, None, hamlet_id, when, rule, now=entries[0].recorded_at)
    elif touched:  # a batch: each hamlet and period moves by its households new to the period
        participation.count_batch(session, rule, touched, now=entries[0].recorded_at)
    entry_ids = {}
    for entry in entries:
        if entry.kind == "labour":
            entry_ids.setdefault(projects.person_key(entry.resident_id, entry.household_id), entry.id)
    for project_id, leadership in prepared["leadership"].items():
        projects.apply_leadership(session, project_id, leadership, entry_ids)
    last_money = {e.project_id: e for e in entries if e.kind == "money" and e.project_id}
    for project_id in sorted(last_money):
        funding.money_arrived(session, now, last_money[project_id], prepared["release"].get(project_id))
