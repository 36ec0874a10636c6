"""四个一律 the demolition register.

猪圈牛栏旱厕一律拆除、拆违拆旧一律无补偿、拆后土地一律用于公益建设、拆除的老物件一律就地利用:
pigsties, cowsheds and dry toilets are all removed; demolition is never compensated; cleared land
all goes to public use; salvaged old items are all reused on site. The rule file (area
``demolition``) states it; this module asks it and records the consequences.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, PolicyRefused, ValidationFailed
from services.kernel.identity import scoped
from services.kernel.ids import new_id
from services.kernel.paging import paged
from services.kernel.policy import decide, rule_ref

from . import ledger, models, participation

STRUCTURES = ("pigsty", "cowshed", "dry_toilet", "illegal_building", "old_house")


def _place(session: Session, data: dict) -> tuple[models.Household, models.Hamlet]:
    household = get_or_404(session, models.Household, data["household_id"], "household")
    hamlet_id = data.get("hamlet_id") or household.hamlet_id
    hamlet = get_or_404(session, models.Hamlet, hamlet_id, "hamlet")
    if hamlet_id != household.hamlet_id:
        raise ValidationFailed.from_messages(
            {"hamlet_id": [f"household {household.id} is on the roster of hamlet {household.hamlet_id}"]})
    return household, hamlet


def _project_in_village(session: Session, project_id: str, village_id: str, field: str = "project_id"):
    project = get_or_404(session, models.Project, project_id, "project")
    if project.village_id != village_id:
        raise ValidationFailed.from_messages({field: [f"project {project.id} is not in village {village_id}"]})
    return project


# -- the register of structures to be removed ---------------------------------------------------

def list_structure(session: Session, policy, now, data: dict) -> models.Structure:
    """Put a structure on the 四个一律 register, standing until it is removed. The demolition
    rule says whether it is one of the 一律拆除 (its ``must_remove`` list)."""
    household, hamlet = _place(session, data)
    decision = decide(policy, "demolition", {"request": "register", "structure_type": data["structure_type"],
                                             **({"area_m2": float(data["area_m2"])} if data.get("area_m2") else {})})
    if decision.get("outcome") != "accepted":
        raise PolicyRefused({"message": decision.get("reason") or "structure refused by rule",
                             "reason": decision.get("reason"), "rule": rule_ref(decision)})
    structure = models.Structure(
        id=new_id("st"), structure_type=data["structure_type"], area_m2=data.get("area_m2"),
        village_id=hamlet.village_id, hamlet_id=hamlet.id, household_id=household.id,
        location=data.get("location") or "", must_remove=bool((decision.get("values") or {}).get("mandatory")),
        status="standing", rule=rule_ref(decision), listed_by=data.get("listed_by"), listed_at=now)
    session.add(structure)
    session.flush()
    _emit_structure(session, structure)
    return structure


def _emit_structure(session: Session, structure: models.Structure) -> None:
    outbox.emit(session, "structure.listed", {
        "structure_id": structure.id, "structure_type": structure.structure_type,
        "area_m2": None if structure.area_m2 is None else str(structure.area_m2),
        "village_id": structure.village_id, "hamlet_id": structure.hamlet_id,
        "household_id": structure.household_id, "must_remove": structure.must_remove,
        "status": structure.status, "demolition_id": structure.demolition_id, "rule": structure.rule,
    }, subject=f"structure/{structure.id}")


def get_structure(session: Session, structure_id: str) -> models.Structure:
    return get_or_404(session, models.Structure, structure_id, "structure")


def structures(session: Session, query: dict, caller=None) -> list[models.Structure]:
    """The register, oldest first; ``status`` standing shows what is still to be removed.
    A page holds what the caller reaches (narrowed in SQL)."""
    select_ = scoped(select(models.Structure), caller, household=models.Structure.household_id,
                     hamlet=models.Structure.hamlet_id, village=models.Structure.village_id)
    select_ = select_.order_by(models.Structure.listed_at, models.Structure.id)
    for name in ("village_id", "hamlet_id", "status", "structure_type"):
        if query.get(name):
            select_ = select_.where(getattr(models.Structure, name) == query[name])
    if query.get("must_remove") is not None:
        select_ = select_.where(models.Structure.must_remove.is_(query["must_remove"]))
    return list(session.scalars(paged(select_, query.get("limit"), query.get("offset", 0))))


# -- demolitions ---------------------------------------------------------------------------------

def register(session: Session, policy, now, data: dict) -> tuple[models.Demolition, list]:
    """Register a removed structure, its public parcel and its salvaged items (出物, reused).
    Naming a ``structure_id`` of the register marks that structure removed."""
    structure = None
    if data.get("structure_id"):
        structure = get_structure(session, data["structure_id"])
        if structure.status != "standing":
            raise Conflict({"message": f"structure {structure.id} was already removed by demolition "
                                       f"{structure.demolition_id}", "structure_id": structure.id})
        for name in ("household_id", "structure_type"):
            if data.get(name) and data[name] != getattr(structure, name):
                raise ValidationFailed.from_messages(
                    {name: [f"structure {structure.id} is listed with {getattr(structure, name)}"]})
        data = {**data, "household_id": structure.household_id, "structure_type": structure.structure_type}
    for name in ("household_id", "structure_type"):
        if not data.get(name):
            raise ValidationFailed.from_messages({name: ["required unless a structure_id names it"]})
    household, hamlet = _place(session, data)
    hamlet_id = hamlet.id
    if data.get("project_id"):
        _project_in_village(session, data["project_id"], hamlet.village_id)
    decision = decide(policy, "demolition", {"request": "register", "structure_type": data["structure_type"],
                                             "area_m2": float(data["area_m2"])})
    rule = rule_ref(decision)
    counting = participation.rules(policy)  # asked before writing, like every policy answer
    if decision.get("outcome") != "accepted":
        raise PolicyRefused({"message": decision.get("reason") or "demolition refused by rule",
                             "reason": decision.get("reason"), "rule": rule})
    values = decision.get("values") or {}
    demolition = models.Demolition(
        id=new_id("dm"), structure_type=data["structure_type"], area_m2=data["area_m2"],
        hamlet_id=hamlet_id, household_id=household.id, project_id=data.get("project_id"),
        demolished_on=data["demolished_on"].isoformat(), parcel_id=new_id("pl"), rule=rule,
        recorded_at=now, structure_id=structure.id if structure else None)
    session.add(demolition)
    # 拆后土地一律用于公益建设: the cleared land is public, used by the demolition's project if any
    session.add(models.Parcel(id=demolition.parcel_id, hamlet_id=hamlet_id, area_m2=data["area_m2"],
                              origin="demolition", origin_id=demolition.id,
                              land_use=values.get("land_use", "public"),
                              created_at=demolition.recorded_at, project_id=data.get("project_id"),
                              assigned_at=now if data.get("project_id") else None,
                              assigned_by=data.get("recorded_by") if data.get("project_id") else None))
    session.flush()
    if structure is not None:
        structure.status, structure.demolition_id, structure.removed_at = "removed", demolition.id, now
        _emit_structure(session, structure)
    salvage = []
    items = data.get("salvaged_items") or []
    if items:
        # 老物件一律就地利用: the household gave them; they stay in the hamlet's works.
        entry = ledger.append(session, now, {
            "kind": "materials", "items": items, "project_id": data.get("project_id"),
            "reused_on_site": values.get("salvage", "reuse_on_site") == "reuse_on_site",
            "note": f"salvaged from demolition {demolition.id}", "recorded_by": data.get("recorded_by"),
        }, household, None, hamlet_id, demolition_id=demolition.id)
        salvage.append(entry)
        participation.refresh(session, None, hamlet_id, entry.recorded_at, counting)
    outbox.emit(session, "demolition.registered", {
        "demolition_id": demolition.id, "structure_type": demolition.structure_type,
        "area_m2": str(demolition.area_m2), "hamlet_id": hamlet_id, "household_id": household.id,
        "parcel_id": demolition.parcel_id, "salvage_entry_ids": [e.id for e in salvage], "rule": rule,
        "structure_id": demolition.structure_id, "project_id": demolition.project_id,
    }, subject=f"demolition/{demolition.id}")
    return demolition, salvage


def assign_parcel(session: Session, now, parcel_id: str, data: dict) -> models.Parcel:
    """Link a public parcel (cleared or donated land) to the project that uses it."""
    parcel = get_or_404(session, models.Parcel, parcel_id, "parcel")
    hamlet = session.get(models.Hamlet, parcel.hamlet_id)
    project = _project_in_village(session, data["project_id"], hamlet.village_id)
    if parcel.project_id is not None and parcel.project_id != project.id:
        raise Conflict({"message": f"parcel {parcel.id} is already used by project {parcel.project_id}",
                        "parcel_id": parcel.id, "project_id": parcel.project_id})
    parcel.project_id, parcel.assigned_at, parcel.assigned_by = project.id, now, data.get("assigned_by")
    session.flush()
    outbox.emit(session, "parcel.assigned", {
        "parcel_id": parcel.id, "hamlet_id": parcel.hamlet_id, "village_id": hamlet.village_id,
        "area_m2": str(parcel.area_m2), "origin": parcel.origin, "origin_id": parcel.origin_id,
        "land_use": parcel.land_use, "project_id": project.id, "assigned_by": parcel.assigned_by,
    }, subject=f"parcel/{parcel.id}")
    return parcel


def claim_compensation(session: Session, policy, demolition_id: str, data: dict) -> None:
    """拆违拆旧一律无补偿: a compensation claim is answered by the rule, which refuses it."""
    demolition = get_or_404(session, models.Demolition, demolition_id, "demolition")
    decision = decide(policy, "demolition", {"request": "compensation",
                                             "structure_type": demolition.structure_type,
                                             "area_m2": float(demolition.area_m2)})
    rule = rule_ref(decision)
    if decision.get("outcome") == "refused":
        raise PolicyRefused({"message": decision.get("reason") or "no compensation for demolition",
                             "reason": decision.get("reason"), "rule": rule,
                             "demolition_id": demolition.id})
    # No compensation is ever paid here; a rule that stopped refusing is a policy error to see.
    raise Conflict({"message": "the demolition rule did not refuse compensation, but 四个一律 "
                               "pays none: check rules/demolition.yaml", "rule": rule,
                    "outcome": decision.get("outcome")})


def get(session: Session, demolition_id: str) -> models.Demolition:
    return get_or_404(session, models.Demolition, demolition_id, "demolition")


def salvage_of(session: Session, demolition_id: str) -> list[str]:
    return list(session.scalars(select(models.LedgerEntry.id).where(
        models.LedgerEntry.demolition_id == demolition_id).order_by(models.LedgerEntry.seq)))


def listing(session: Session, hamlet_id: str | None = None,
        *, limit: int | None = None, offset: int = 0) -> list[models.Demolition]:
    query = select(models.Demolition).order_by(models.Demolition.recorded_at, models.Demolition.id)
    if hamlet_id:
        query = query.where(models.Demolition.hamlet_id == hamlet_id)
    return list(session.scalars(paged(query, limit, offset)))


def parcels(session: Session, hamlet_id: str | None = None,
        *, limit: int | None = None, offset: int = 0) -> list[models.Parcel]:
    query = select(models.Parcel).order_by(models.Parcel.created_at, models.Parcel.id)
    if hamlet_id:
        query = query.where(models.Parcel.hamlet_id == hamlet_id)
    return list(session.scalars(paged(query, limit, offset)))
