"""Registers: who exists, and who is a member of which body.

The roster 花名册 belongs to the contributions service; proposals keeps a read model of it from
``household.registered`` (households with their residents), so a command may only name a
village, hamlet, household or resident that is on it (a 400 naming the field otherwise), and a
meeting's members come from a register, never from a number typed in:

- 党员会 party members' meeting: the village's party members on the roster;
- 代表会 villagers' representatives' assembly: the village's 村民代表 whose term covers the day
  (the representatives register kept here, with terms);
- 户主会 household-heads meeting: the hamlet's households (each by its head);
- 垸组会 hamlet meeting and 村民会议 villagers' meeting: the hamlet's or village's residents
  and households (the roster carries no ages, so every listed resident counts as a member);
- 场子会/院子会 open-air and courtyard meetings, and 学看讲 activities, do not vote: whoever
  comes must be on the village's roster.

Attendance must be members; the quorum rule is given the register's size.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel.clock import iso
from services.kernel.db import get_or_404, upsert_many
from services.kernel.errors import Conflict, invalid
from services.kernel.ids import new_id
from services.kernel.periods import local_date

from .models import Representative, RosterHousehold, RosterResident

BODY_NAMES = {"party_members": "党员会", "representatives": "村民代表会议", "household_heads": "户主会",
              "hamlet": "垸组会", "villagers": "村民会议", "open_air": "场子会", "courtyard": "院子会"}


# ---- the roster's read model ----------------------------------------------------------------

def household_registered(session: Session, now: datetime, data: dict) -> None:
    """Insert or update a household; its residents are replaced when the event lists them."""
    household = session.get(RosterHousehold, data["household_id"]) or RosterHousehold(
        household_id=data["household_id"])
    household.village_id, household.hamlet_id = data["village_id"], data["hamlet_id"]
    household.head_name, household.updated_at = data.get("head_name") or "", now
    session.add(household)
    if data.get("residents") is not None:
        listed = {r["resident_id"]: r for r in data["residents"]}
        for stored in session.scalars(select(RosterResident).where(
                RosterResident.household_id == household.household_id)):
            if stored.resident_id not in listed:
                session.delete(stored)
        for rid, r in listed.items():
            resident = session.get(RosterResident, rid) or RosterResident(resident_id=rid)
            resident.household_id, resident.village_id = household.household_id, household.village_id
            resident.hamlet_id, resident.name = household.hamlet_id, r["name"]
            resident.is_head, resident.party_member = bool(r["is_head"]), bool(r["party_member"])
            resident.cadre = bool(r["cadre"])
            session.add(resident)
    session.flush()


def households_registered(session: Session, now: datetime, data: dict) -> None:
    """A roster import's batch (``households.registered``, up to 500 households of a village):
    what :func:`household_registered` does for each, in a few statements for the whole batch
    (the stored rows read 500 at a time, the new ones inserted many to a statement, one flush)
    instead of several round trips per household and per resident."""
    rows = data["households"]
    upsert_many(session, RosterHousehold, "household_id", [
        {"household_id": d["household_id"], "village_id": d["village_id"], "hamlet_id": d["hamlet_id"],
         "head_name": d.get("head_name") or "", "updated_at": now} for d in rows])
    listing = [d for d in rows if d.get("residents") is not None]
    listed = {r["resident_id"]: (d, r) for d in listing for r in d["residents"]}
    households = sorted({d["household_id"] for d in listing})
    for start in range(0, len(households), 500):
        for stored in session.scalars(select(RosterResident).where(
                RosterResident.household_id.in_(households[start:start + 500]))):
            if stored.resident_id not in listed:
                session.delete(stored)
    upsert_many(session, RosterResident, "resident_id", [
        {"resident_id": rid, "household_id": d["household_id"], "village_id": d["village_id"],
         "hamlet_id": d["hamlet_id"], "name": r["name"], "is_head": bool(r["is_head"]),
         "party_member": bool(r["party_member"]), "cadre": bool(r["cadre"])} for rid, (d, r) in listed.items()])
    session.flush()


def _not_on_roster(field_name: str, what: str, ident) -> Exception:
    return invalid(field_name, f"{what} {ident} 不在花名册上 (not on the roster)")


def village(session: Session, village_id: str, field_name: str = "village_id") -> str:
    if session.scalar(select(RosterHousehold.household_id).where(
            RosterHousehold.village_id == village_id).limit(1)) is None:
        raise _not_on_roster(field_name, "村", village_id)
    return village_id


def hamlet(session: Session, hamlet_id: str, village_id: str, field_name: str = "hamlet_id") -> str:
    found = session.scalar(select(RosterHousehold.village_id).where(
        RosterHousehold.hamlet_id == hamlet_id).limit(1))
    if found is None:
        raise _not_on_roster(field_name, "垸组", hamlet_id)
    if found != village_id:
        raise invalid(field_name, f"垸组 {hamlet_id} 不属于村 {village_id} (not a hamlet of the village)")
    return hamlet_id


def household(session: Session, household_id: str, village_id: str,
              field_name: str = "household_id") -> RosterHousehold:
    found = session.get(RosterHousehold, household_id)
    if found is None:
        raise _not_on_roster(field_name, "户", household_id)
    if found.village_id != village_id:
        raise invalid(field_name, f"户 {household_id} 不是村 {village_id} 的 (of another village)")
    return found


def resident(session: Session, resident_id: str, village_id: str, field_name: str = "resident_id",
             household_id: str | None = None) -> RosterResident:
    found = session.get(RosterResident, resident_id)
    if found is None:
        raise _not_on_roster(field_name, "村民", resident_id)
    if found.village_id != village_id:
        raise invalid(field_name, f"村民 {resident_id} 不是村 {village_id} 的 (of another village)")
    if household_id is not None and found.household_id != household_id:
        raise invalid(field_name, f"村民 {resident_id} 不是户 {household_id} 的 (of another household)")
    return found


def place(session: Session, data: dict) -> None:
    """The village and hamlet a command names exist, and the hamlet is the village's."""
    village(session, data["village_id"])
    if data.get("hamlet_id"):
        hamlet(session, data["hamlet_id"], data["village_id"])


def person(session: Session, data: dict, resident_field: str = "resident_id",
           household_field: str = "household_id") -> None:
    """The resident and household a command names are of its village, and of each other."""
    if data.get(household_field):
        household(session, data[household_field], data["village_id"], household_field)
    if data.get(resident_field):
        resident(session, data[resident_field], data["village_id"], resident_field, data.get(household_field))


# ---- 村民代表 the representatives register -----------------------------------------------------

def appoint(session: Session, now: datetime, data: dict) -> Representative:
    """Enter a 村民代表 for a term; one person holds one term at a time."""
    village(session, data["village_id"])
    who = resident(session, data["resident_id"], data["village_id"])
    if data["term_end"] < data["term_start"]:
        raise invalid("term_end", "任期结束早于开始 (the term ends before it starts)")
    for other in session.scalars(select(Representative).where(Representative.resident_id == who.resident_id)):
        if _overlaps(other, data["term_start"], data["term_end"]):
            raise Conflict({"message": f"村民 {who.name} 已是任期 {other.term_start}–{other.term_end} 的村民代表",
                            "representative_id": other.id})
    rep = Representative(id=new_id("rep"), village_id=data["village_id"], hamlet_id=who.hamlet_id,
                         resident_id=who.resident_id, name=who.name, term_start=data["term_start"],
                         term_end=data["term_end"], registered_by=data["registered_by"], registered_at=now)
    session.add(rep)
    session.flush()
    return rep


def end_term(session: Session, representative_id: str, data: dict) -> Representative:
    """A representative who leaves before the term's end (罢免, 辞职, moved away)."""
    rep = get_or_404(session, Representative, representative_id, "representative")
    if rep.ended_on is not None:
        raise Conflict({"message": f"村民代表 {rep.name} 的任期已于 {rep.ended_on} 结束", "representative_id": rep.id})
    if not rep.term_start <= data["ended_on"] <= rep.term_end:
        raise invalid("ended_on", f"不在任期 {rep.term_start}–{rep.term_end} 之内 (outside the term)")
    rep.ended_on, rep.end_reason = data["ended_on"], data["reason"]
    return rep


def _overlaps(rep: Representative, start: date, end: date) -> bool:
    last = rep.ended_on or rep.term_end
    return rep.term_start <= end and start <= last


def _serving(rep: Representative, on: date) -> bool:
    return rep.term_start <= on <= rep.term_end and (rep.ended_on is None or on < rep.ended_on)


def representatives(session: Session, village_id: str, on: date | None = None) -> list[Representative]:
    reps = session.scalars(select(Representative).where(Representative.village_id == village_id)
                           .order_by(Representative.term_start, Representative.name, Representative.id))
    return [r for r in reps if on is None or _serving(r, on)]


def representative_view(rep: Representative, today: date) -> dict:
    return {"representative_id": rep.id, "village_id": rep.village_id, "hamlet_id": rep.hamlet_id,
            "resident_id": rep.resident_id, "name": rep.name, "term_start": rep.term_start.isoformat(),
            "term_end": rep.term_end.isoformat(),
            "ended_on": rep.ended_on.isoformat() if rep.ended_on else None, "end_reason": rep.end_reason,
            "serving": _serving(rep, today), "registered_by": rep.registered_by,
            "registered_at": iso(rep.registered_at)}


# ---- a body's members --------------------------------------------------------------------------

@dataclass
class Register:
    """A body's members on a day: people (resident id -> household id) and, for bodies that
    count households, the households. ``by_household``: one seat per household (户主会)."""

    kind: str
    people: dict[str, str] = field(default_factory=dict)
    households: set[str] | None = None
    by_household: bool = False
    votes: bool = True

    @property
    def members(self) -> int:
        return len(self.households) if self.by_household else len(self.people)

    def view(self, session: Session) -> dict:
        names = dict(session.execute(select(RosterResident.resident_id, RosterResident.name).where(
            RosterResident.resident_id.in_(list(self.people)))).all()) if self.people else {}
        return {"kind": self.kind, "body": BODY_NAMES.get(self.kind, self.kind), "members": self.members,
                "households": None if self.households is None else len(self.households),
                "people": [{"resident_id": rid, "household_id": hid, "name": names.get(rid, "")}
                           for rid, hid in sorted(self.people.items())]}


def register(session: Session, kind: str, village_id: str, hamlet_id: str | None, on: date,
             votes: bool = True) -> Register:
    resident_q = select(RosterResident.resident_id, RosterResident.household_id)
    household_q = select(RosterHousehold.household_id)
    where_r = [RosterResident.village_id == village_id]
    where_h = [RosterHousehold.village_id == village_id]
    if hamlet_id:
        where_r.append(RosterResident.hamlet_id == hamlet_id)
        where_h.append(RosterHousehold.hamlet_id == hamlet_id)
    if kind == "party_members":
        people = dict(session.execute(resident_q.where(*where_r, RosterResident.party_member.is_(True))).all())
        return Register(kind, people)
    if kind == "representatives":
        ids = [r.resident_id for r in representatives(session, village_id, on)]
        people = dict(session.execute(resident_q.where(RosterResident.resident_id.in_(ids))).all()) if ids else {}
        return Register(kind, people)
    households = set(session.scalars(household_q.where(*where_h)))
    if kind == "household_heads":
        heads = dict(session.execute(resident_q.where(*where_r, RosterResident.is_head.is_(True))).all())
        return Register(kind, heads, households, by_household=True)
    people = dict(session.execute(resident_q.where(*where_r)).all())
    return Register(kind, people, households, votes=votes)


def check_attendance(reg: Register, entries: list[dict], field_name: str = "attendance") -> list[dict]:
    """Every attendee is a member of the body; no one (no household, at a 户主会) twice.
    Returns the entries with each resident's household filled in from the roster."""
    seen: set[str] = set()
    checked = []
    for index, entry in enumerate(entries):
        rid, hid = entry.get("resident_id"), entry.get("household_id")
        where = field_name
        if rid:
            if rid not in reg.people:
                raise invalid(where, f"村民 {rid} 不是{BODY_NAMES.get(reg.kind, reg.kind)}的成员 "
                                     f"(entry {index}: not a member of the body's register)")
            if hid and reg.people[rid] != hid:
                raise invalid(where, f"村民 {rid} 不是户 {hid} 的 (entry {index}: of another household)")
            hid = reg.people[rid]
        elif reg.households is None:
            raise invalid(where, f"{BODY_NAMES.get(reg.kind, reg.kind)}按人到会：写明 resident_id (entry {index})")
        elif hid not in reg.households:
            raise invalid(where, f"户 {hid} 不在这个会议的花名册上 (entry {index}: not on the body's register)")
        key = hid if reg.by_household or not rid else rid
        if key in seen:
            raise invalid(field_name, f"{'户' if key == hid else '村民'} {key} 重复到会 (listed twice, entry {index})")
        seen.add(key)
        checked.append({"resident_id": rid, "household_id": hid})
    return checked


def day_of(moment: datetime) -> date:
    return local_date(moment)
