"""四出共建 the append-only ledger of the four contributions.

出人 people (a role), 出资 money (yuan, by source), 出力 labour (hours or days, on a project),
出物 materials (items with counts, land with its area, optional valuation). An entry is never
edited: a mistake is corrected by a reversing entry carrying the original's quantities negated,
so every total is a plain sum and stays exact.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from services.kernel import outbox
from services.kernel.errors import Conflict, PolicyRefused, ValidationFailed

from . import models, participation
from .common import get_or_404, money, new_id, rule_of, utc

KINDS = ("people", "money", "labour", "materials")
ROLES = ("volunteer", "returning_local", "five_elders", "entrepreneur", "veteran", "woman",
         "student", "deputy")
SOURCES = ("grant", "sponsor", "crowd")
UNITS = ("hours", "days")
HOURS_PER_DAY = Decimal(8)  # one 工日 workday, unless the labour rule file says otherwise


def _who(session: Session, data: dict) -> tuple[models.Household | None, models.Resident | None]:
    resident = household = None
    if data.get("resident_id"):
        resident = get_or_404(session, models.Resident, data["resident_id"], "resident")
    if data.get("household_id"):
        household = get_or_404(session, models.Household, data["household_id"], "household")
    if resident is not None:
        if household is not None and resident.household_id != household.id:
            raise ValidationFailed.from_messages(
                {"resident_id": [f"resident {resident.id} is not of household {household.id}"]})
        household = household or session.get(models.Household, resident.household_id)
    return household, resident


def _check_kind(data: dict) -> dict:
    """The fields of each kind, and none of the others'."""
    kind = data["kind"]
    errors: dict[str, list[str]] = {}

    def need(name, ok, message):
        if not ok:
            errors.setdefault(name, []).append(message)

    if kind == "people":
        need("role", data.get("role") in ROLES, f"one of {', '.join(ROLES)}")
    elif kind == "money":
        need("amount", data.get("amount") is not None and data["amount"] > 0, "a positive amount of yuan")
        need("source", data.get("source") in SOURCES, f"one of {', '.join(SOURCES)}")
    elif kind == "labour":
        need("quantity", data.get("quantity") is not None and data["quantity"] > 0, "a positive number")
        need("unit", data.get("unit") in UNITS, "hours or days")
    elif kind == "materials":
        items, land = data.get("items") or [], data.get("land_area_m2")
        need("items", items or (land is not None and land > 0), "items or a land area")
        for index, item in enumerate(items):
            need(f"items.{index}.count", item.get("count", 0) > 0, "a positive count")
        if land is not None:
            need("land_area_m2", land > 0, "a positive area in m²")
        if data.get("valuation") is not None:
            need("valuation", data["valuation"] >= 0, "not negative")
    else:
        need("kind", False, f"one of {', '.join(KINDS)}")
    foreign = {"people": ("role",), "money": ("amount", "source"), "labour": ("quantity", "unit"),
               "materials": ("items", "land_area_m2", "valuation")}
    for other, names in foreign.items():
        if other != kind:
            for name in names:
                need(name, data.get(name) in (None, []), f"not part of a {kind} contribution")
    if errors:
        raise ValidationFailed.from_messages(errors)
    return data


def labour_hours(policy, quantity: Decimal, unit: str) -> Decimal:
    if unit == "hours":
        return quantity
    per_day = (policy.params("labour").get("params") or {}).get("hours_per_day", HOURS_PER_DAY)
    return quantity * Decimal(str(per_day))


def record(session: Session, policy, clock, data: dict) -> models.LedgerEntry:
    """Append one contribution; everything is checked before anything is written."""
    data = _check_kind(dict(data))
    household, resident = _who(session, data)
    grant = data["kind"] == "money" and data.get("source") == "grant"
    if household is None and not grant:
        raise ValidationFailed.from_messages(
            {"household_id": ["a contribution is tied to a resident or a household"]})
    project = None
    if data.get("project_id"):
        project = get_or_404(session, models.Project, data["project_id"], "project")
    hamlet_id = data.get("hamlet_id") or (household.hamlet_id if household else None) or (
        project.hamlet_id if project else None)
    if hamlet_id is None:
        raise ValidationFailed.from_messages({"hamlet_id": ["required for a grant without a hamlet project"]})
    hamlet = get_or_404(session, models.Hamlet, hamlet_id, "hamlet")
    if project is not None and hamlet.village_id != project.village_id:
        raise ValidationFailed.from_messages(
            {"project_id": [f"project {project.id} is not in the village of hamlet {hamlet.id}"]})
    if data["kind"] == "labour" and data.get("project_id") is None:
        raise ValidationFailed.from_messages({"project_id": ["labour is given on a project"]})
    if data["kind"] == "labour":
        _check_eligibility(session, policy, project, household)
    person = _person_key(resident.id if resident else None, household.id if household else None)
    prepared = _prepare(session, policy, data["kind"], data.get("project_id"),
                        add_person=person if data["kind"] == "labour" else None,
                        crowd_delta=data["amount"] if data.get("source") == "crowd" else Decimal(0))
    entry = _append(session, clock, data, household, resident, hamlet.id, policy)
    _after(session, clock, entry, prepared)
    return entry


def _check_eligibility(session, policy, project, household) -> None:
    """小组事小组上，全村事大家上: the labour rule says who may work on the project."""
    decision = policy.decide("labour", {
        "check": "eligibility", "project_scope": project.scope,
        "project_hamlet_id": project.hamlet_id, "contributor_hamlet_id": household.hamlet_id,
    })
    if decision.get("outcome") != "allowed":
        raise PolicyRefused({"message": decision.get("reason") or "labour refused by rule",
                             "reason": decision.get("reason"), "rule": rule_of(decision)})


def _append(session: Session, clock, data: dict, household, resident, hamlet_id: str, policy=None,
            **extra) -> models.LedgerEntry:
    """A new (never a reversing) entry, its event, and the public parcel of any land given."""
    hours = None
    if data["kind"] == "labour":
        hours = labour_hours(policy, data["quantity"], data["unit"])
    items = [{"name": i["name"], "count": int(i["count"]), "unit": i.get("unit")}
             for i in data.get("items") or []] or None
    entry = models.LedgerEntry(
        id=new_id("ce"), kind=data["kind"],
        household_id=household.id if household else None,
        resident_id=resident.id if resident else None,
        hamlet_id=hamlet_id, project_id=data.get("project_id"), role=data.get("role"),
        amount=money(data["amount"]) if data.get("amount") is not None else None,
        source=data.get("source"), quantity=data.get("quantity"), unit=data.get("unit"),
        hours=hours, items=items, land_area_m2=data.get("land_area_m2"),
        valuation=money(data["valuation"]) if data.get("valuation") is not None else None,
        reused_on_site=bool(data.get("reused_on_site")), note=data.get("note") or "",
        recorded_by=data.get("recorded_by"), recorded_at=utc(clock.now()), **extra)
    session.add(entry)
    session.flush()
    emit_recorded(session, entry)
    if data["kind"] == "materials" and data.get("land_area_m2"):
        # 拆后土地一律用于公益建设 / donated 余基空坪: land given goes to public use.
        session.add(models.Parcel(id=new_id("pl"), hamlet_id=hamlet_id, area_m2=data["land_area_m2"],
                                  origin="donation", origin_id=entry.id, land_use="public",
                                  created_at=entry.recorded_at))
    return entry


def emit_recorded(session: Session, entry: models.LedgerEntry) -> None:
    outbox.emit(session, "contribution.recorded", {
        "entry_id": entry.id, "kind": entry.kind, "household_id": entry.household_id,
        "resident_id": entry.resident_id, "hamlet_id": entry.hamlet_id,
        "project_id": entry.project_id,
        "hours": None if entry.hours is None else str(entry.hours),
        "amount": None if entry.amount is None else str(entry.amount),
        "items": entry.items, "reversal_of": entry.reversal_of, "role": entry.role,
        "source": entry.source,
        "land_area_m2": None if entry.land_area_m2 is None else str(entry.land_area_m2),
        "valuation": None if entry.valuation is None else str(entry.valuation),
        "reused_on_site": entry.reused_on_site, "recorded_at": utc(entry.recorded_at).isoformat(),
    }, subject=f"contribution/{entry.id}")


def _prepare(session: Session, policy, kind: str, project_id: str | None, *, add_person=None,
             drop_entry_id: str | None = None, crowd_delta: Decimal = Decimal(0)) -> dict:
    """Every policy answer an entry needs, asked before anything is written.

    Under eventlet a worker that waits on an RPC while holding SQLite's write lock stalls every
    other writer of the process (the relay included) for the busy timeout; so the transaction
    asks first, on the entry it is about to write, then writes without waiting on anyone.
    """
    from . import funding

    prepared = {"participation": participation.rules(policy)}
    if kind == "labour" and project_id:
        prepared["leadership"] = leadership_decision(session, policy, project_id, add_person, drop_entry_id)
    if kind == "money" and project_id:
        prepared["release"] = funding.release_decision(session, policy, project_id, crowd_delta)
    return prepared


def _after(session: Session, clock, entry: models.LedgerEntry, prepared: dict, at=None) -> None:
    """What an entry changes elsewhere: participation, labour leadership, funding."""
    from . import funding

    if entry.household_id is not None:
        household = session.get(models.Household, entry.household_id)
        participation.refresh(session, None, household.hamlet_id, at or entry.recorded_at,
                              prepared["participation"], now=entry.recorded_at)
    if prepared.get("leadership") is not None:
        apply_leadership(session, entry.project_id, prepared["leadership"])
    if entry.kind == "money" and entry.project_id:
        funding.money_arrived(session, clock, entry.project_id, prepared.get("release"))


def reverse(session: Session, policy, clock, entry_id: str, reason: str,
            recorded_by: str | None = None) -> models.LedgerEntry:
    """Correct a mistake: append the original negated. An entry is reversed at most once."""
    original = get(session, entry_id)
    if original.reversal_of is not None:
        raise Conflict({"message": f"{entry_id} is itself a reversal; record the entry again instead",
                        "entry_id": entry_id})
    if original.grant_request_id is not None:
        raise Conflict({"message": f"{entry_id} is a grant released by a funding round; "
                                   "it is corrected in the round, not the ledger", "entry_id": entry_id})
    already = session.scalar(select(models.LedgerEntry.id).where(models.LedgerEntry.reversal_of == entry_id))
    if already is not None:
        raise Conflict({"message": f"{entry_id} was already reversed by {already}",
                        "entry_id": entry_id, "reversed_by": already})

    def neg(value):
        return None if value is None else -value

    prepared = _prepare(session, policy, original.kind, original.project_id, drop_entry_id=original.id,
                        crowd_delta=-original.amount if original.source == "crowd" else Decimal(0))

    # A copy with every quantity negated, not recomputed: the sum of the two is exactly zero.
    entry = models.LedgerEntry(
        id=new_id("ce"), kind=original.kind, household_id=original.household_id,
        resident_id=original.resident_id, hamlet_id=original.hamlet_id,
        project_id=original.project_id, role=original.role, amount=neg(original.amount),
        source=original.source, quantity=neg(original.quantity), unit=original.unit,
        hours=neg(original.hours),
        items=[{**i, "count": -i["count"]} for i in original.items] if original.items else None,
        land_area_m2=neg(original.land_area_m2), valuation=neg(original.valuation),
        reused_on_site=original.reused_on_site, demolition_id=original.demolition_id,
        note=reason, recorded_by=recorded_by, recorded_at=utc(clock.now()),
        reversal_of=original.id)
    session.add(entry)
    session.flush()
    emit_recorded(session, entry)
    # The original's period is the one whose participation changes.
    _after(session, clock, entry, prepared, at=original.recorded_at)
    return entry


def _person_key(resident_id, household_id) -> str:
    return resident_id or f"household:{household_id}"


def leadership_decision(session: Session, policy, project_id: str, add_person: str | None = None,
                        drop_entry_id: str | None = None) -> dict | None:
    """党员干部带头上: ask the labour rule about the project's first contributors, in order,
    as they will stand once ``add_person`` has given labour or ``drop_entry_id`` is reversed."""
    entry, reversal = models.LedgerEntry, aliased(models.LedgerEntry)
    rows = session.execute(
        select(entry.id, entry.resident_id, entry.household_id).where(
            entry.project_id == project_id, entry.kind == "labour", entry.reversal_of.is_(None),
            ~exists().where(reversal.reversal_of == entry.id))
        .order_by(entry.seq)).all()
    order = []
    for entry_id, resident_id, household_id in rows:
        key = _person_key(resident_id, household_id)
        if entry_id != drop_entry_id and key not in order:
            order.append(key)
    if add_person and add_person not in order:
        order.append(add_person)
    if not order:
        return None
    first = []
    for key in order:
        if key.startswith("household:"):
            person = session.scalar(select(models.Resident).where(
                models.Resident.household_id == key.split(":", 1)[1], models.Resident.is_head.is_(True)))
        else:
            person = session.get(models.Resident, key)
        first.append({"party_member": bool(person and person.party_member),
                      "cadre": bool(person and person.cadre)})
    return policy.decide("labour", {"check": "leadership", "first_contributors": first})


def apply_leadership(session: Session, project_id: str, decision: dict | None) -> None:
    """Store the outcome and emit ``project.labour_flagged`` when it changed."""
    project = session.get(models.Project, project_id)
    outcome = decision.get("outcome") if decision else None
    if outcome not in ("ok", "flag") or outcome == project.leadership:
        return
    project.leadership = outcome
    project.leadership_reason = decision.get("reason") or ""
    project.leadership_rule = rule_of(decision)
    outbox.emit(session, "project.labour_flagged", {
        "project_id": project.id, "hamlet_id": project.hamlet_id, "outcome": outcome,
        "reason": project.leadership_reason, "rule": project.leadership_rule,
    }, subject=f"project/{project.id}")


def get(session: Session, entry_id: str) -> models.LedgerEntry:
    entry = session.scalar(select(models.LedgerEntry).where(models.LedgerEntry.id == entry_id))
    if entry is None:
        from services.kernel.errors import NotFound
        raise NotFound.of("contribution", entry_id)
    return entry


def _filtered(query, filters: dict):
    entry = models.LedgerEntry
    for name in ("hamlet_id", "project_id", "household_id", "resident_id", "kind"):
        if filters.get(name):
            query = query.where(getattr(entry, name) == filters[name])
    return query


def entries(session: Session, filters: dict, limit: int = 200, offset: int = 0) -> list:
    query = _filtered(select(models.LedgerEntry), filters).order_by(models.LedgerEntry.seq)
    return list(session.scalars(query.limit(limit).offset(offset)))


def reversed_ids(session: Session, ids) -> dict[str, str]:
    rows = session.execute(select(models.LedgerEntry.reversal_of, models.LedgerEntry.id)
                           .where(models.LedgerEntry.reversal_of.in_(list(ids)))).all()
    return {original: reversal for original, reversal in rows}


def totals(session: Session, filters: dict) -> dict:
    """Sums of every entry under the filters; reversals are negative, so totals stay exact."""
    money_by_source = {s: Decimal("0.00") for s in SOURCES}
    people: dict[str, int] = defaultdict(int)
    items: dict[str, int] = defaultdict(int)
    hours = Decimal("0")
    land = Decimal("0")
    valuation = Decimal("0.00")
    count = 0
    for entry in session.scalars(_filtered(select(models.LedgerEntry), filters)):
        count += 1
        sign = -1 if entry.reversal_of else 1
        if entry.kind == "money":
            money_by_source[entry.source] += entry.amount
        elif entry.kind == "people":
            people[entry.role] += sign
        elif entry.kind == "labour":
            hours += entry.hours
        elif entry.kind == "materials":
            for item in entry.items or []:
                items[item["name"]] += item["count"]
            land += entry.land_area_m2 or 0
            valuation += entry.valuation or 0
    return {
        "entries": count,
        "money": {"total": str(money(sum(money_by_source.values()))),
                  "by_source": {k: str(money(v)) for k, v in money_by_source.items()}},
        "people": {k: v for k, v in sorted(people.items()) if v},
        "labour_hours": str(money(hours)),
        "materials": {"items": {k: v for k, v in sorted(items.items()) if v},
                      "land_area_m2": str(money(land)), "valuation": str(money(valuation))},
    }
