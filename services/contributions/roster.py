"""花名册 the roster: towns, villages, hamlets, households, residents and the 1+10 linkage.

Villages keep their roster as a spreadsheet with one row per resident (CSV or .xlsx). An
import checks every row before writing anything: a single bad row refuses the whole file and
every bad row is named with its file, line and field. Applying compares with what is stored
and writes only differences, so importing the same file twice changes nothing.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.errors import ValidationFailed

from . import models, participation

# Canonical column -> accepted headers (English and the Chinese a village clerk types).
COLUMNS = {
    "town_id": ["town_id", "镇编号", "乡镇编号"],
    "town_name": ["town_name", "镇", "乡镇", "镇名"],
    "village_id": ["village_id", "村编号"],
    "village_name": ["village_name", "村", "村名"],
    "hamlet_id": ["hamlet_id", "垸组编号", "组编号"],
    "hamlet_name": ["hamlet_name", "垸组", "组", "湾组", "塆组"],
    "household_id": ["household_id", "户编号", "户号"],
    "hub_household_id": ["hub_household_id", "党员中心户", "联系党员中心户"],
    "resident_id": ["resident_id", "村民编号", "人员编号"],
    "name": ["name", "姓名"],
    "relation": ["relation", "与户主关系"],
    "party_member": ["party_member", "党员"],
    "party_category": ["party_category", "党员类别"],
    "cadre": ["cadre", "村干部", "两委"],
}
REQUIRED = ["town_id", "town_name", "village_id", "village_name", "hamlet_id", "hamlet_name",
            "household_id", "resident_id", "name", "relation"]

TRUE = {"yes", "y", "true", "1", "是", "√", "x"}
FALSE = {"no", "n", "false", "0", "否", ""}
HEAD = {"head", "户主", "本人"}
PARTY_CATEGORIES = {
    "in_office": "in_office", "在职": "in_office", "在职党员": "in_office",
    "without_office": "without_office", "无职": "without_office", "无职党员": "without_office",
    "mobile": "mobile", "流动": "mobile", "流动党员": "mobile",
    "elderly": "elderly", "年老": "elderly", "年老党员": "elderly",
}
MAX_ID = 64


@dataclass
class RowError:
    file: str
    line: int
    field: str
    message: str

    def key(self) -> str:
        return f"{self.file}:{self.line}:{self.field}"


@dataclass
class Sheet:
    """A roster file read into rows: (line number, {canonical column: text})."""

    file: str
    rows: list[tuple[int, dict]]
    errors: list[RowError] = field(default_factory=list)


# -- reading ------------------------------------------------------------------------------

def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 0012 typed as a number as 12.0
    return str(value).strip()


def _header_map(file: str, header: list[str]) -> tuple[dict[int, str], list[RowError]]:
    aliases = {alias.lower(): canonical for canonical, names in COLUMNS.items() for alias in names}
    mapping, errors = {}, []
    for index, title in enumerate(header):
        canonical = aliases.get(_cell(title).lower())
        if canonical is not None:
            mapping[index] = canonical
    present = set(mapping.values())
    for column in REQUIRED:
        if column not in present:
            errors.append(RowError(file, 1, column, "missing column"))
    return mapping, errors


def _sheet(file: str, lines: Iterable[tuple[int, list]]) -> Sheet:
    lines = iter(lines)
    try:
        _, header = next(lines)
    except StopIteration:
        return Sheet(file, [], [RowError(file, 1, "header", "the file is empty")])
    mapping, errors = _header_map(file, header)
    rows = []
    for line, values in lines:
        if not any(_cell(v) for v in values):
            continue  # blank lines between blocks are common in hand-kept sheets
        rows.append((line, {column: _cell(values[i]) if i < len(values) else ""
                            for i, column in mapping.items()}))
    return Sheet(file, rows, errors)


def decode(data: bytes) -> str:
    """Excel on Chinese Windows saves CSV as GB18030; everything else is UTF-8 (maybe with BOM)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_csv(file: str, text: str) -> Sheet:
    reader = csv.reader(io.StringIO(text))

    def lines():
        for values in reader:
            yield reader.line_num, values

    return _sheet(file, lines())


def read_xlsx(file: str, data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  openpyxl raises many kinds on a bad file
        return Sheet(file, [], [RowError(file, 1, "file", f"not a readable .xlsx file: {exc}")])
    try:
        sheet = workbook.worksheets[0]
        return _sheet(file, ((number, list(values)) for number, values in
                             enumerate(sheet.iter_rows(values_only=True), start=1)))
    finally:
        workbook.close()


def read(file: str, data: bytes) -> Sheet:
    """Read a roster by its extension: .csv or .xlsx."""
    suffix = Path(file).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(file, data)
    if suffix in (".csv", ".txt"):
        return read_csv(file, decode(data))
    return Sheet(file, [], [RowError(file, 1, "file", "a roster is a .csv or .xlsx file")])


def read_path(path: str | Path) -> Sheet:
    path = Path(path)
    return read(path.name, path.read_bytes())


# -- checking -------------------------------------------------------------------------------

def _bool(text: str) -> bool | None:
    lowered = text.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    return None


@dataclass
class Plan:
    """What a checked file says, entity by entity (the last word on each id)."""

    towns: dict = field(default_factory=dict)
    villages: dict = field(default_factory=dict)
    hamlets: dict = field(default_factory=dict)
    households: dict = field(default_factory=dict)
    residents: dict = field(default_factory=dict)
    heads: dict = field(default_factory=dict)        # household_id -> resident_id
    household_lines: dict = field(default_factory=dict)


def _agree(errors, sheet, line, column, table: dict, key, value: dict, what: str):
    """A parent given on many rows must be given the same way on each."""
    known = table.get(key)
    if known is None:
        table[key] = value
        return
    for name, current in value.items():
        if known[name] != current:
            errors.append(RowError(sheet.file, line, column if name == "name" else name,
                                   f"{what} {key} already has {name} {known[name]!r} on an earlier row"))


def check(session: Session, sheet: Sheet) -> tuple[Plan, list[RowError]]:
    """Every problem of the file, without writing: returns the plan and the row errors."""
    errors = list(sheet.errors)
    plan = Plan()
    resident_lines: dict[str, int] = {}
    if errors and not sheet.rows:
        return plan, errors
    for line, row in sheet.rows:
        def bad(column, message):
            errors.append(RowError(sheet.file, line, column, message))

        for column in REQUIRED:
            if not row.get(column):
                bad(column, "is required")
        for column in ("town_id", "village_id", "hamlet_id", "household_id", "resident_id",
                       "hub_household_id"):
            if len(row.get(column, "")) > MAX_ID:
                bad(column, f"longer than {MAX_ID} characters")
        party = _bool(row.get("party_member", ""))
        if party is None:
            bad("party_member", f"{row['party_member']!r} is not yes/no (是/否)")
        cadre = _bool(row.get("cadre", ""))
        if cadre is None:
            bad("cadre", f"{row['cadre']!r} is not yes/no (是/否)")
        category_text = row.get("party_category", "")
        category = PARTY_CATEGORIES.get(category_text.lower()) if category_text else None
        if category_text and category is None:
            bad("party_category", f"{category_text!r} is not one of in_office, without_office, "
                                  "mobile, elderly (在职/无职/流动/年老)")
        elif party and category is None:
            bad("party_category", "a party member needs a category (在职/无职/流动/年老)")
        elif party is False and category is not None:
            bad("party_category", "only a party member has a category")
        if any(not row.get(c) for c in REQUIRED):
            continue
        _agree(errors, sheet, line, "town_name", plan.towns, row["town_id"],
               {"name": row["town_name"]}, "town")
        _agree(errors, sheet, line, "village_name", plan.villages, row["village_id"],
               {"name": row["village_name"], "town_id": row["town_id"]}, "village")
        _agree(errors, sheet, line, "hamlet_name", plan.hamlets, row["hamlet_id"],
               {"name": row["hamlet_name"], "village_id": row["village_id"]}, "hamlet")
        _agree(errors, sheet, line, "hub_household_id", plan.households, row["household_id"],
               {"hamlet_id": row["hamlet_id"], "hub_household_id": row.get("hub_household_id") or None},
               "household")
        plan.household_lines.setdefault(row["household_id"], line)
        resident_id = row["resident_id"]
        if resident_id in resident_lines:
            bad("resident_id", f"resident {resident_id} is already on line {resident_lines[resident_id]}")
            continue
        resident_lines[resident_id] = line
        is_head = row["relation"].lower() in HEAD
        if is_head:
            if row["household_id"] in plan.heads:
                first = resident_lines[plan.heads[row["household_id"]]]
                bad("relation", f"household {row['household_id']} already has its head on line {first}")
            else:
                plan.heads[row["household_id"]] = resident_id
        plan.residents[resident_id] = {
            "household_id": row["household_id"], "name": row["name"], "is_head": is_head,
            "party_member": bool(party), "party_category": category, "cadre": bool(cadre),
        }
    for household_id, line in plan.household_lines.items():
        if household_id not in plan.heads:
            errors.append(RowError(sheet.file, line, "relation",
                                   f"household {household_id} has no head (户主) in the file"))
    _check_hubs(session, sheet, plan, errors)
    return plan, errors


def _check_hubs(session: Session, sheet: Sheet, plan: Plan, errors: list) -> None:
    """A 1+10 hub must be a party-member household: on this file, or already on the roster."""
    wanted = {h["hub_household_id"] for h in plan.households.values() if h["hub_household_id"]}
    stored_party = _stored_party_households(session, wanted - set(plan.households))
    for household_id, household in plan.households.items():
        hub = household["hub_household_id"]
        if not hub:
            continue
        line = plan.household_lines[household_id]
        if hub == household_id:
            continue  # a hub household is its own hub: allowed, and harmless
        if hub in plan.households:
            party = any(r["party_member"] for r in plan.residents.values() if r["household_id"] == hub)
        elif hub in stored_party:
            party = stored_party[hub]
        else:
            errors.append(RowError(sheet.file, line, "hub_household_id",
                                   f"hub household {hub} is neither in the file nor on the roster"))
            continue
        if not party:
            errors.append(RowError(sheet.file, line, "hub_household_id",
                                   f"hub household {hub} has no party member (党员中心户)"))


def _stored_party_households(session: Session, ids: set[str]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for chunk in _chunks(sorted(ids)):
        for household_id in session.scalars(select(models.Household.id).where(models.Household.id.in_(chunk))):
            found[household_id] = False
        for household_id in session.scalars(select(models.Resident.household_id).where(
                models.Resident.household_id.in_(chunk), models.Resident.party_member.is_(True))):
            found[household_id] = True
    return found


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# -- applying ---------------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def _load(session: Session, model, ids) -> dict:
    loaded = {}
    for chunk in _chunks(sorted(ids)):
        for row in session.scalars(select(model).where(model.id.in_(chunk))):
            loaded[row.id] = row
    return loaded


def _upsert(session, model, stored: dict, ident: str, values: dict, counts: dict, kind: str) -> bool:
    row = stored.get(ident)
    if row is None:
        session.add(model(id=ident, **values))
        counts["created"][kind] += 1
        return True
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    counts["updated" if changed else "unchanged"][kind] += 1
    return changed


def import_sheet(session: Session, sheet: Sheet, clock, policy=None,
                 progress: Progress | None = None) -> dict:
    """Check then apply one roster file in the caller's transaction; all rows or none.

    Raises ValidationFailed whose ``fields`` maps ``file:line:field`` to messages and whose
    ``errors`` lists them in file order. Emits ``household.registered`` for each household
    created or changed, and recomputes the participation of every hamlet whose roster changed
    (when a ``policy`` port is at hand: the rule file says what counts; else the next event does).
    """
    plan, errors = check(session, sheet)
    if errors:
        errors.sort(key=lambda e: (e.line, e.field))
        fields: dict[str, list[str]] = {}
        for error in errors:
            fields.setdefault(error.key(), []).append(error.message)
        raise ValidationFailed({
            "message": f"{sheet.file}: {len(errors)} problem(s); nothing was imported",
            "fields": fields,
            "errors": [error.__dict__ for error in errors],
        })
    counting = participation.rules(policy) if policy is not None else None  # before any write
    total = len(plan.towns) + len(plan.villages) + len(plan.hamlets) + len(plan.households) + len(plan.residents)
    done = 0

    def tick(n=1):
        nonlocal done
        done += n
        if progress and (done % 200 == 0 or done == total):
            progress(done, total)

    kinds = ("towns", "villages", "hamlets", "households", "residents")
    counts = {state: {k: 0 for k in kinds} for state in ("created", "updated", "unchanged")}
    stored = {
        "towns": _load(session, models.Town, plan.towns),
        "villages": _load(session, models.Village, plan.villages),
        "hamlets": _load(session, models.Hamlet, plan.hamlets),
        "households": _load(session, models.Household, plan.households),
        "residents": _load(session, models.Resident, plan.residents),
    }
    for ident, values in plan.towns.items():
        _upsert(session, models.Town, stored["towns"], ident, values, counts, "towns")
        tick()
    session.flush()  # parents first: the models carry foreign keys but no relationships
    for ident, values in plan.villages.items():
        _upsert(session, models.Village, stored["villages"], ident, values, counts, "villages")
        tick()
    session.flush()
    for ident, values in plan.hamlets.items():
        _upsert(session, models.Hamlet, stored["hamlets"], ident, values, counts, "hamlets")
        tick()
    session.flush()
    # What scoring sees of a household, before and after, decides whether it hears of it.
    before = {hid: _public_view(session, hid) for hid in stored["households"]}
    old_hamlets = {hid: h.hamlet_id for hid, h in stored["households"].items()}
    for ident, values in plan.households.items():
        head = plan.residents[plan.heads[ident]]
        _upsert(session, models.Household, stored["households"], ident,
                {**values, "head_name": head["name"]}, counts, "households")
        tick()
    session.flush()
    for ident, values in plan.residents.items():
        _upsert(session, models.Resident, stored["residents"], ident, values, counts, "residents")
        tick()
    session.flush()
    announced = []
    touched_hamlets = set()
    for household_id in plan.households:
        view = _public_view(session, household_id)
        if before.get(household_id) != view:
            outbox.emit(session, "household.registered", view, subject=f"household/{household_id}")
            announced.append(household_id)
            touched_hamlets.add(view["hamlet_id"])
            if household_id in old_hamlets:
                touched_hamlets.add(old_hamlets[household_id])
    if progress and total == 0:
        progress(0, 0)
    if touched_hamlets and counting is not None:
        for hamlet_id in sorted(touched_hamlets):
            participation.refresh(session, None, hamlet_id, clock.now(), counting)
    return {
        "file": sheet.file, "rows": len(sheet.rows), **counts,
        "households_announced": len(announced),
        "changed": any(counts["created"].values()) or any(counts["updated"].values()),
    }


def _public_view(session: Session, household_id: str) -> dict | None:
    """The ``household.registered`` data of a stored household."""
    household = session.get(models.Household, household_id)
    if household is None:
        return None
    hamlet = session.get(models.Hamlet, household.hamlet_id)
    village = session.get(models.Village, hamlet.village_id)
    party = session.scalar(select(models.Resident.id).where(
        models.Resident.household_id == household_id, models.Resident.party_member.is_(True)).limit(1))
    return {
        "household_id": household.id, "hamlet_id": hamlet.id, "village_id": village.id,
        "town_id": village.town_id, "head_name": household.head_name,
        "village_name": village.name, "hamlet_name": hamlet.name,
        "party_member": party is not None,
        "hub_household_id": household.hub_household_id,
    }


def import_file(session: Session, file: str, data: bytes, clock, policy=None,
                progress: Progress | None = None) -> dict:
    return import_sheet(session, read(file, data), clock, policy, progress)


# -- queries ----------------------------------------------------------------------------------

def household_view(session: Session, household_id: str) -> dict:
    from services.kernel.db import get_or_404
    household = get_or_404(session, models.Household, household_id, "household")
    view = _public_view(session, household.id)
    residents = session.scalars(select(models.Resident).where(
        models.Resident.household_id == household_id).order_by(models.Resident.id)).all()
    linked = session.scalars(select(models.Household.id).where(
        models.Household.hub_household_id == household_id, models.Household.id != household_id)
        .order_by(models.Household.id)).all()
    return {**view, "residents": residents, "linked_household_ids": list(linked)}


def hamlet_view(session: Session, hamlet_id: str) -> dict:
    from sqlalchemy import func
    from .places import hamlet_chain
    hamlet, village = hamlet_chain(session, hamlet_id)
    households = session.scalar(select(func.count()).select_from(models.Household)
                                .where(models.Household.hamlet_id == hamlet_id))
    return {"hamlet_id": hamlet.id, "name": hamlet.name, "village_id": village.id,
            "village_name": village.name, "town_id": village.town_id, "households": households}


def list_households(session: Session, hamlet_id: str | None = None, limit: int = 200, offset: int = 0) -> list[dict]:
    query = select(models.Household.id).order_by(models.Household.id).limit(limit).offset(offset)
    if hamlet_id:
        query = query.where(models.Household.hamlet_id == hamlet_id)
    return [_public_view(session, hid) for hid in session.scalars(query)]
