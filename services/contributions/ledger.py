"""四出共建 the append-only ledger of the four contributions.

出人 people (a role), 出资 money (yuan, by source), 出力 labour (hours or days, on a project),
出物 materials (items with counts, land with its area, optional valuation). An entry is never
edited: a mistake is corrected by a reversing entry carrying the original's quantities negated,
so every total is a plain sum and stays exact.

This module is the ledger alone: it knows nothing of funding, projects or participation. What
an entry changes elsewhere is decided in ``recording`` (the use cases that record and reverse).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import money, outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, NotFound, ValidationFailed
from services.kernel.identity import scoped
from services.kernel.ids import new_id

from . import models
from .places import village_of

KINDS = ("people", "money", "labour", "materials")
ROLES = ("volunteer", "returning_local", "five_elders", "entrepreneur", "veteran", "woman",
         "student", "deputy")
SOURCES = ("grant", "sponsor", "crowd")
UNITS = ("hours", "days")
HOURS_PER_DAY = Decimal(8)
EVENT_ENTRIES = 1000  # entries per contribution.batch_recorded  # one 工日 workday, unless the labour rule file says otherwise


def who(session: Session, data: dict) -> tuple[models.Household | None, models.Resident | None]:
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


def check_kind(data: dict) -> dict:
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


def labour_hours(labour_params: dict, quantity: Decimal, unit: str) -> Decimal:
    """Hours of a labour entry; a day is the labour rule's ``hours_per_day`` (工日)."""
    if unit == "hours":
        return quantity
    per_day = labour_params.get("hours_per_day", HOURS_PER_DAY)
    return money.round_fen(quantity * Decimal(str(per_day)))


def _new_entry(now, data: dict, household, resident, hamlet_id: str, hours, **extra) -> models.LedgerEntry:
    items = [{"name": i["name"], "count": int(i["count"]), "unit": i.get("unit")}
             for i in data.get("items") or []] or None
    return models.LedgerEntry(
        id=new_id("ce"), kind=data["kind"],
        household_id=household.id if household else None,
        resident_id=resident.id if resident else None,
        hamlet_id=hamlet_id, project_id=data.get("project_id"), role=data.get("role"),
        amount=data.get("amount"),
        source=data.get("source"), quantity=data.get("quantity"), unit=data.get("unit"),
        hours=hours, items=items, land_area_m2=data.get("land_area_m2"),
        valuation=data.get("valuation"),
        reused_on_site=bool(data.get("reused_on_site")), note=data.get("note") or "",
        recorded_by=data.get("recorded_by"), recorded_at=now, **extra)


def _land_given(session: Session, data: dict, entry: models.LedgerEntry) -> None:
    if data["kind"] == "materials" and data.get("land_area_m2"):
        # 拆后土地一律用于公益建设 / donated 余基空坪: land given goes to public use.
        session.add(models.Parcel(id=new_id("pl"), hamlet_id=entry.hamlet_id, area_m2=data["land_area_m2"],
                                  origin="donation", origin_id=entry.id, land_use="public",
                                  created_at=entry.recorded_at))


def append(session: Session, now, data: dict, household, resident, hamlet_id: str, *,
           hours: Decimal | None = None, **extra) -> models.LedgerEntry:
    """Append a new (never a reversing) entry, its event, and the public parcel of any land
    given. ``hours`` is a labour entry's quantity in hours (see :func:`labour_hours`)."""
    entry = _new_entry(now, data, household, resident, hamlet_id, hours, **extra)
    session.add(entry)
    session.flush()
    emit_recorded(session, entry)
    _land_given(session, data, entry)
    return entry


def append_many(session: Session, now, rows, recorded_by: str | None = None) -> list[models.LedgerEntry]:
    """Append a batch (``(data, household, resident, hamlet_id, hours, extra)`` each) in one
    flush, announced as one ``contribution.batch_recorded`` carrying every entry."""
    entries = []
    for data, household, resident, hamlet_id, hours, extra in rows:
        entry = _new_entry(now, data, household, resident, hamlet_id, hours, **extra)
        entries.append(entry)
        session.add(entry)
        _land_given(session, data, entry)
    session.flush()
    batch_id = new_id("cb")
    for start in range(0, len(entries), EVENT_ENTRIES):  # a few large events, never one huge one
        part = entries[start:start + EVENT_ENTRIES]
        outbox.emit(session, "contribution.batch_recorded", {
            "batch_id": batch_id, "recorded_by": recorded_by,
            "entries": [recorded_data(entry) for entry in part]}, subject=f"hamlet/{part[0].hamlet_id}")
    return entries


def recorded_data(entry: models.LedgerEntry) -> dict:
    return {
        "entry_id": entry.id, "kind": entry.kind, "household_id": entry.household_id,
        "resident_id": entry.resident_id, "hamlet_id": entry.hamlet_id,
        "project_id": entry.project_id,
        "hours": None if entry.hours is None else str(entry.hours),
        "amount": None if entry.amount is None else str(entry.amount),
        "items": entry.items, "reversal_of": entry.reversal_of, "role": entry.role,
        "source": entry.source,
        "land_area_m2": None if entry.land_area_m2 is None else str(entry.land_area_m2),
        "valuation": None if entry.valuation is None else str(entry.valuation),
        "reused_on_site": entry.reused_on_site, "recorded_at": iso(entry.recorded_at),
        "flag": entry.flag,
    }


def emit_recorded(session: Session, entry: models.LedgerEntry) -> None:
    outbox.emit(session, "contribution.recorded", recorded_data(entry), subject=f"contribution/{entry.id}")


def check_reversible(session: Session, entry_id: str) -> models.LedgerEntry:
    """The entry to reverse, or Conflict: an entry is reversed at most once, never a reversal."""
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
    return original


def append_reversal(session: Session, now, original: models.LedgerEntry, reason: str,
                    recorded_by: str | None = None) -> models.LedgerEntry:
    """Append ``original`` negated (checked by :func:`check_reversible`) and its event."""
    def neg(value):
        return None if value is None else -value

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
        note=reason, recorded_by=recorded_by, recorded_at=now, reversal_of=original.id)
    session.add(entry)
    session.flush()
    emit_recorded(session, entry)
    return entry


def get(session: Session, entry_id: str) -> models.LedgerEntry:
    entry = session.scalar(select(models.LedgerEntry).where(models.LedgerEntry.id == entry_id))
    if entry is None:
        raise NotFound.of("contribution", entry_id)
    return entry


def _filtered(query, filters: dict):
    entry = models.LedgerEntry
    for name in ("hamlet_id", "project_id", "household_id", "resident_id", "kind"):
        if filters.get(name):
            query = query.where(getattr(entry, name) == filters[name])
    return query


def entries(session: Session, filters: dict, limit: int = 200, offset: int = 0, caller=None) -> list:
    entry = models.LedgerEntry
    query = scoped(_filtered(select(entry), filters), caller, household=entry.household_id,
                   hamlet=entry.hamlet_id, village=village_of(entry.hamlet_id)).order_by(entry.seq)
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
        "money": {"total": money.text(sum(money_by_source.values())),
                  "by_source": {k: money.text(v) for k, v in money_by_source.items()}},
        "people": {k: v for k, v in sorted(people.items()) if v},
        "labour_hours": money.text(hours),
        "materials": {"items": {k: v for k, v in sorted(items.items()) if v},
                      "land_area_m2": money.text(land), "valuation": money.text(valuation)},
    }
