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
from services.kernel.db import get_or_404, known
from services.kernel.errors import Conflict, PolicyRefused, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.paging import paged
from services.kernel.policy import decide, rule_ref

from . import ledger, models, participation

STRUCTURES = ("pigsty", "cowshed", "dry_toilet", "illegal_building", "old_house")


def register(session: Session, policy, now, data: dict) -> tuple[models.Demolition, list]:
    """Register a removed structure, its public parcel and its salvaged items (出物, reused)."""
    household = known(session, models.Household, data["household_id"], "household_id", "household")
    hamlet_id = data.get("hamlet_id") or household.hamlet_id
    known(session, models.Hamlet, hamlet_id, "hamlet_id", "hamlet")
    if hamlet_id != household.hamlet_id:
        raise ValidationFailed.from_messages(
            {"hamlet_id": [f"household {household.id} is on the roster of hamlet {household.hamlet_id}"]})
    if data.get("project_id"):
        get_or_404(session, models.Project, data["project_id"], "project")
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
        recorded_at=now)
    session.add(demolition)
    session.add(models.Parcel(id=demolition.parcel_id, hamlet_id=hamlet_id, area_m2=data["area_m2"],
                              origin="demolition", origin_id=demolition.id,
                              land_use=values.get("land_use", "public"),
                              created_at=demolition.recorded_at))
    session.flush()
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
    }, subject=f"demolition/{demolition.id}")
    return demolition, salvage


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
