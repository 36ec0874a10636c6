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

from sqlalchemy.orm import Session

from services.kernel.db import get_or_404
from services.kernel.errors import PolicyRefused, ValidationFailed
from services.kernel.policy import decide, params, rule_ref

from . import funding, ledger, models, participation, projects

def record(session: Session, policy, now: datetime, data: dict) -> models.LedgerEntry:
    """Append one contribution; everything is checked before anything is written."""
    data = ledger.check_kind(dict(data))
    household, resident = ledger.who(session, data)
    grant = data["kind"] == "money" and data.get("source") == "grant"
    if household is None and not grant:
        raise ValidationFailed.from_messages(
            {"household_id": ["a contribution is tied to a resident or a household"]})
    project = None
    if data.get("project_id"):
        project = get_or_404(session, models.Project, data["project_id"], "project")
    eligibility = None
    if data["kind"] == "labour":
        if project is None:
            raise ValidationFailed.from_messages({"project_id": ["labour is given on a project"]})
        eligibility = _check_eligibility(policy, project, household)
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
    hamlet = get_or_404(session, models.Hamlet, hamlet_id, "hamlet")
    if project is not None and hamlet.village_id != project.village_id:
        raise ValidationFailed.from_messages(
            {"project_id": [f"project {project.id} is not in the village of hamlet {hamlet.id}"]})
    hours = None
    if data["kind"] == "labour":
        labour = params(policy, "labour")["params"] if data["unit"] == "days" else {}
        hours = ledger.labour_hours(labour, data["quantity"], data["unit"])
    person = projects.person_key(resident.id if resident else None, household.id if household else None)
    prepared = _prepare(session, policy, data["kind"], data.get("project_id"),
                        add_person=person if data["kind"] == "labour" else None,
                        crowd_delta=data["amount"] if data.get("source") == "crowd" else Decimal(0))
    flag = None
    if eligibility is not None and eligibility["outcome"] == "flagged":
        # 邻组帮忙，标记核实: recorded and counted, with the rule's flag on the entry for the cadres
        flag = {"code": "other_hamlet", "reason": eligibility["reason"], "rule": rule_ref(eligibility)}
    entry = ledger.append(session, now, data, household, resident, hamlet.id, hours=hours, flag=flag)
    _after(session, now, entry, prepared)
    return entry


def reverse(session: Session, policy, now: datetime, entry_id: str, reason: str,
            recorded_by: str | None = None) -> models.LedgerEntry:
    """Correct a mistake: append the original negated. An entry is reversed at most once."""
    original = ledger.check_reversible(session, entry_id)
    prepared = _prepare(session, policy, original.kind, original.project_id, drop_entry_id=original.id,
                        crowd_delta=-original.amount if original.source == "crowd" else Decimal(0))
    entry = ledger.append_reversal(session, now, original, reason, recorded_by)
    # The original's period is the one whose participation changes.
    _after(session, now, entry, prepared, at=original.recorded_at)
    return entry


def _check_eligibility(policy, project, household) -> dict:
    """小组事小组上，全村事大家上: the labour rule says whether a neighbour's labour is recorded
    (allowed, flagged for the cadres, or refused) and for which hamlet it counts. A village
    project has no hamlet of its own: only the contributor's hamlet is asked about then."""
    facts = {"check": "eligibility", "project_scope": project.scope,
             "contributor_hamlet_id": household.hamlet_id}
    if project.hamlet_id is not None:
        facts["project_hamlet_id"] = project.hamlet_id
    decision = decide(policy, "labour", facts, outcomes={"allowed", "flagged", "refused"})
    if decision["outcome"] == "refused":
        raise PolicyRefused({"message": decision["reason"] or "labour refused by rule",
                             "reason": decision["reason"], "rule": rule_ref(decision)})
    return decision


def _prepare(session: Session, policy, kind: str, project_id: str | None, *, add_person=None,
             drop_entry_id: str | None = None, crowd_delta: Decimal = Decimal(0)) -> dict:
    """Every policy answer an entry needs, asked on the entry about to be written."""
    prepared = {"participation": participation.rules(policy)}
    if kind == "labour" and project_id:
        prepared["leadership"] = projects.leadership_decision(session, policy, project_id, add_person,
                                                              drop_entry_id)
    if kind == "money" and project_id:
        prepared["release"] = funding.release_decision(session, policy, project_id, crowd_delta)
    return prepared


def _after(session: Session, now, entry: models.LedgerEntry, prepared: dict, at=None) -> None:
    """What an entry changes elsewhere: participation, labour leadership, funding."""
    if entry.household_id is not None:
        household = session.get(models.Household, entry.household_id)
        participation.refresh(session, None, household.hamlet_id, at or entry.recorded_at,
                              prepared["participation"], now=entry.recorded_at)
    if prepared.get("leadership") is not None:
        projects.apply_leadership(session, entry.project_id, prepared["leadership"])
    if entry.kind == "money" and entry.project_id:
        funding.money_arrived(session, now, entry.project_id, prepared.get("release"))

