"""Projects (立项) and their leadership (党员干部带头上).

An approved project has a budget and a planned mix of higher-level grant, sponsors (能人) and
residents' crowd-funding (群众筹); its progress per source is the ledger's money on it, and it
is funded once all sources together reach the budget. The labour rule watches who gave the
first labour on it, and flags a project where party members and cadres did not lead.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from services.kernel import money, outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, ValidationFailed
from services.kernel.policy import decide, rule_ref

from . import models

SOURCES = ("grant", "sponsor", "crowd")


def register_project(session: Session, now, data: dict) -> models.Project:
    village = get_or_404(session, models.Village, data["village_id"], "village")
    hamlet_id = data.get("hamlet_id")
    errors: dict[str, list[str]] = {}
    if data["scope"] == "hamlet":
        if not hamlet_id:
            errors["hamlet_id"] = ["a hamlet project names its hamlet"]
        else:
            hamlet = get_or_404(session, models.Hamlet, hamlet_id, "hamlet")
            if hamlet.village_id != village.id:
                errors["hamlet_id"] = [f"hamlet {hamlet_id} is not in village {village.id}"]
    elif hamlet_id:
        errors["hamlet_id"] = ["a village project belongs to no single hamlet"]
    mix = {s: Decimal(data["mix"].get(s, 0)) for s in SOURCES}
    if any(v < 0 for v in mix.values()):
        errors["mix"] = ["no source plans a negative amount"]
    elif sum(mix.values()) != data["budget"]:
        errors["mix"] = [f"grant + sponsor + crowd = {money.text(sum(mix.values()))}, "
                         f"not the budget {money.text(data['budget'])}"]
    if session.get(models.Project, data["project_id"]) is not None:
        raise Conflict({"message": f"project {data['project_id']} is already registered",
                        "project_id": data["project_id"]})
    if errors:
        raise ValidationFailed.from_messages(errors)
    project = models.Project(
        id=data["project_id"], name=data["name"], scope=data["scope"], village_id=village.id,
        hamlet_id=hamlet_id, budget=data["budget"], plan_grant=mix["grant"],
        plan_sponsor=mix["sponsor"], plan_crowd=mix["crowd"], motion_id=data.get("motion_id"),
        status="approved", registered_at=now)
    session.add(project)
    session.flush()
    outbox.emit(session, "project.registered", {
        "project_id": project.id, "name": project.name, "scope": project.scope,
        "village_id": project.village_id, "hamlet_id": project.hamlet_id,
        "budget": money.text(project.budget), "mix": {k: money.text(v) for k, v in mix.items()},
        "motion_id": project.motion_id,
    }, subject=f"project/{project.id}")
    return project


def raised(session: Session, project_id: str) -> dict[str, Decimal]:
    rows = session.execute(
        select(models.LedgerEntry.source, func.sum(models.LedgerEntry.amount))
        .where(models.LedgerEntry.project_id == project_id, models.LedgerEntry.kind == "money")
        .group_by(models.LedgerEntry.source)).all()
    totals = {s: Decimal("0.00") for s in SOURCES}
    for source, amount in rows:
        totals[source] = Decimal(amount or 0)
    return totals


def progress(session: Session, project_id: str) -> dict:
    """The project with its plan and what each source has given so far."""
    project = get_or_404(session, models.Project, project_id, "project")
    got = raised(session, project.id)
    total = sum(got.values())
    held = session.scalar(select(func.sum(models.FundingRequest.granted)).where(
        models.FundingRequest.project_id == project.id, models.FundingRequest.grant_status == "held"))
    plan = {"grant": project.plan_grant, "sponsor": project.plan_sponsor, "crowd": project.plan_crowd}
    return {
        "project_id": project.id, "name": project.name, "scope": project.scope,
        "village_id": project.village_id, "hamlet_id": project.hamlet_id, "motion_id": project.motion_id,
        "budget": money.text(project.budget), "status": project.status,
        "plan": {k: money.text(v) for k, v in plan.items()},
        "raised": {k: money.text(v) for k, v in got.items()},
        "progress": {k: (float(got[k] / plan[k]) if plan[k] else None) for k in SOURCES},
        "total_raised": money.text(total),
        "outstanding": money.text(max(project.budget - total, Decimal(0))),
        "held_grants": money.text(held or 0),
        "crowd_share": float(got["crowd"] / project.budget) if project.budget else 0.0,
        "leadership": project.leadership, "leadership_reason": project.leadership_reason,
        "funded_at": iso(project.funded_at),
        "endorsing_households": endorsers(session, project),
    }


def endorsers(session: Session, project: models.Project) -> int:
    """最紧迫: households behind the project's motion, as proposals last announced."""
    known = session.get(models.MotionUrgency, project.motion_id) if project.motion_id else None
    return known.endorsing_households if known is not None else 0


def check_funded(session: Session, now, project: models.Project) -> bool:
    """Emit ``project.funded`` once, when all sources together reach the budget."""
    if project.status == "funded":
        return False
    got = raised(session, project.id)
    if sum(got.values()) < project.budget:
        return False
    project.status = "funded"
    project.funded_at = now
    outbox.emit(session, "project.funded", {
        "project_id": project.id, "hamlet_id": project.hamlet_id, "village_id": project.village_id,
        "budget": money.text(project.budget), "raised": {k: money.text(v) for k, v in got.items()},
        "funded_at": iso(now), "motion_id": project.motion_id,
    }, subject=f"project/{project.id}")
    return True


def person_key(resident_id, household_id) -> str:
    return resident_id or f"household:{household_id}"


FIRST_N = 3  # the labour rule's leadership.first_n when its file does not say


def first_n(labour_params: dict) -> int:
    return int((labour_params.get("leadership") or {}).get("first_n") or FIRST_N)


def _flags(session: Session, key: str) -> dict:
    if key.startswith("household:"):
        person = session.scalar(select(models.Resident).where(
            models.Resident.household_id == key.split(":", 1)[1], models.Resident.is_head.is_(True)))
    else:
        person = session.get(models.Resident, key)
    return {"party_member": bool(person and person.party_member), "cadre": bool(person and person.cadre)}


def _first_from_ledger(session: Session, project_id: str, n: int, drop_entry_id: str | None) -> list[dict]:
    """The first ``n`` people of the project's unreversed labour, read in order until found."""
    entry, reversal = models.LedgerEntry, aliased(models.LedgerEntry)
    rows = session.execute(
        select(entry.id, entry.resident_id, entry.household_id).where(
            entry.project_id == project_id, entry.kind == "labour", entry.reversal_of.is_(None),
            ~exists().where(reversal.reversal_of == entry.id))
        .order_by(entry.seq).execution_options(yield_per=100))
    first: list[dict] = []
    for entry_id, resident_id, household_id in rows:
        key = person_key(resident_id, household_id)
        if entry_id != drop_entry_id and key not in {f["person"] for f in first}:
            first.append({"person": key, "entry_id": entry_id, **_flags(session, key)})
            if len(first) >= n:
                break
    rows.close()
    return first


def leadership_decision(session: Session, policy, project_id: str, add_persons=(), n: int = FIRST_N,
                        drop_entry_id: str | None = None) -> dict:
    """党员干部带头上: the project's first ``n`` contributors as they will stand once
    ``add_persons`` have given labour (or ``drop_entry_id`` is reversed), and the labour rule's
    decision on them — asked only when they change. They are kept on the project, so this
    work does not grow with the project: once its first ``n`` people have come, more labour
    asks nothing. Read-only: :func:`apply_leadership` stores what this prepared."""
    project = get_or_404(session, models.Project, project_id, "project")
    stored = project.first_contributors
    if stored is None or (drop_entry_id and any(f["entry_id"] == drop_entry_id for f in stored)):
        current = _first_from_ledger(session, project_id, n, drop_entry_id)
    else:
        current = [dict(f) for f in stored]
    for key in add_persons:
        if len(current) >= n:
            break
        if key not in {f["person"] for f in current}:
            current.append({"person": key, "entry_id": None, **_flags(session, key)})
    if stored is not None and current == stored:
        return {"first": current, "decision": None, "changed": False}
    decision = None
    if current:
        decision = decide(policy, "labour", {"check": "leadership", "first_contributors": [
            {"party_member": f["party_member"], "cadre": f["cadre"]} for f in current]}, outcomes={"ok", "flag"})
    return {"first": current, "decision": decision, "changed": True}


def apply_leadership(session: Session, project_id: str, prepared: dict | None,
                     entry_ids: dict[str, str] | None = None) -> None:
    """Store the first contributors (``entry_ids``: person -> the entry just written) and the
    outcome; emit ``project.labour_flagged`` when the outcome changed."""
    project = session.get(models.Project, project_id)
    if prepared is None or not prepared["changed"]:
        return
    project.first_contributors = [
        {**f, "entry_id": f["entry_id"] or (entry_ids or {}).get(f["person"])} for f in prepared["first"]]
    decision = prepared["decision"]
    outcome = decision.get("outcome") if decision else None
    if outcome not in ("ok", "flag") or outcome == project.leadership:
        return
    project.leadership = outcome
    project.leadership_reason = decision.get("reason") or ""
    project.leadership_rule = rule_ref(decision)
    outbox.emit(session, "project.labour_flagged", {
        "project_id": project.id, "hamlet_id": project.hamlet_id, "outcome": outcome,
        "reason": project.leadership_reason, "rule": project.leadership_rule,
    }, subject=f"project/{project.id}")


def listing(session: Session, query: dict) -> list[dict]:
    """Projects of a village or hamlet, by id, each with its progress."""
    stmt = select(models.Project.id).order_by(models.Project.id).limit(query["limit"]).offset(query["offset"])
    if query.get("village_id"):
        stmt = stmt.where(models.Project.village_id == query["village_id"])
    if query.get("hamlet_id"):
        stmt = stmt.where(models.Project.hamlet_id == query["hamlet_id"])
    return [progress(session, project_id) for project_id in session.scalars(stmt)]
