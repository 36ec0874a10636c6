"""乡风文明积分 the points ledger.

Every source of points (出力 labour, 好人好事 verified good deeds, 清洁日 inspections, quarterly
civility ratings, penalties from the negative list, cadres' manual entries) becomes a
``PointsEntry``: ``pending`` -> ``approved`` | ``rejected`` (the cadre recorded), and an approved
entry is ``revoked`` only with a reason. Love-supermarket spending is an approved negative entry
that counts against the spendable balance only.

Two balances per household: spendable (爱心超市) and honour (评星评优, titles). Each is the sum of
the approved entries that count for it; ``PointsAccount`` caches both, changed only by atomic
``UPDATE ... SET x = x + d`` in the entry's transaction, and its row is the lock that serialises
caps and spending for one household.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.kernel import outbox, periods
from services.kernel import policy as policy_port
from services.kernel.db import get_or_404, insert_rows
from services.kernel.errors import Conflict, IllegalTransition, NotFound, PolicyRefused, ValidationFailed
from services.kernel.identity import scoped
from services.kernel.ids import new_id

from .models import Household, PeriodPoints, PointsAccount, PointsEntry

PENDING, APPROVED, REJECTED, REVOKED = "pending", "approved", "rejected", "revoked"
SOURCES = ("labour", "good_deed", "inspection", "rating", "penalty", "manual", "redemption")
AREA = "civility_points"

_ALLOWED = {  # action -> (states it may start from, resulting state)
    "approve": ({PENDING}, APPROVED),
    "reject": ({PENDING}, REJECTED),
    "revoke": ({APPROVED}, REVOKED),
}


def lock_account(session: Session, household_id: str) -> None:
    """Take the household's account row lock (created on first use) for this transaction."""
    stmt = select(PointsAccount.household_id).where(
        PointsAccount.household_id == household_id).with_for_update()
    if session.execute(stmt).first() is not None:
        return
    try:
        with session.begin_nested():
            session.add(PointsAccount(household_id=household_id, spendable=0, honour=0))
    except IntegrityError:
        pass  # a concurrent transaction created it first; lock theirs
    session.execute(stmt).one()


def lock_accounts(session: Session, household_ids) -> None:
    """:func:`lock_account` for a batch: one locking SELECT and one INSERT of the missing rows."""
    ids = sorted(set(household_ids))
    if not ids:
        return
    stmt = select(PointsAccount.household_id).where(PointsAccount.household_id.in_(ids)).with_for_update()
    have = set(session.scalars(stmt))
    missing = [h for h in ids if h not in have]
    if not missing:
        return
    try:
        with session.begin_nested():
            insert_rows(session, PointsAccount, [
                {"household_id": h, "spendable": 0, "honour": 0} for h in missing])
    except IntegrityError:  # a concurrent transaction created some first: one by one
        for household_id in missing:
            lock_account(session, household_id)
        return
    session.execute(stmt).all()


def balances(session: Session, household_id: str) -> dict:
    """The cached balances (read as columns, so never a stale identity-map copy)."""
    row = session.execute(select(PointsAccount.spendable, PointsAccount.honour).where(
        PointsAccount.household_id == household_id)).first()
    return {"household_id": household_id, "spendable": row.spendable if row else 0,
            "honour": row.honour if row else 0}


def balance_of(session: Session, household_id: str) -> dict:
    """The balances the API shows; NotFound for a household scoring has never heard of
    (neither on the roster it was told of nor in the ledger), rather than a plausible zero."""
    if session.get(PointsAccount, household_id) is None and session.get(Household, household_id) is None:
        raise NotFound.of("household", household_id)
    return balances(session, household_id)


def balances_from_entries(session: Session, household_id: str, resident_id: str | None = None,
                          up_to_quarter: str | None = None) -> dict:
    """The balances recomputed from the approved entries (optionally one resident's, or as of a quarter)."""
    query = select(
        func.coalesce(func.sum(case((PointsEntry.counts_spendable, PointsEntry.points), else_=0)), 0),
        func.coalesce(func.sum(case((PointsEntry.counts_honour, PointsEntry.points), else_=0)), 0),
    ).where(PointsEntry.household_id == household_id, PointsEntry.status == APPROVED)
    if resident_id is not None:
        query = query.where(PointsEntry.resident_id == resident_id)
    if up_to_quarter is not None:
        query = query.where(PointsEntry.quarter <= up_to_quarter)  # "2025Q1" < "2025Q2" < "2026Q1"
    spendable, honour = session.execute(query).one()
    return {"household_id": household_id, "spendable": int(spendable), "honour": int(honour)}


def _adjust(session: Session, entry: PointsEntry, sign: int) -> None:
    delta = sign * entry.points
    session.execute(update(PointsAccount).where(PointsAccount.household_id == entry.household_id).values(
        spendable=PointsAccount.spendable + (delta if entry.counts_spendable else 0),
        honour=PointsAccount.honour + (delta if entry.counts_honour else 0)))
    if entry.source != "redemption" and delta:  # spending is not a loss of merit (rankings)
        tally(session, entry.household_id, entry.quarter, delta)


def tally(session: Session, household_id: str, quarter: str, delta: int) -> None:
    """Add ``delta`` to the household's earned points of the quarter, its half year and its year."""
    for period in (quarter, periods.containing(quarter, "half_year"), periods.containing(quarter, "year")):
        changed = session.execute(update(PeriodPoints).where(
            PeriodPoints.period == period, PeriodPoints.household_id == household_id).values(
            points=PeriodPoints.points + delta)).rowcount
        if changed:
            continue
        household = session.get(Household, household_id)
        try:
            with session.begin_nested():
                session.add(PeriodPoints(period=period, household_id=household_id, points=delta,
                                         hamlet_id=household.hamlet_id if household else None,
                                         village_id=household.village_id if household else None))
        except IntegrityError:  # a concurrent approval made the row first: add to it
            session.execute(update(PeriodPoints).where(
                PeriodPoints.period == period, PeriodPoints.household_id == household_id).values(
                points=PeriodPoints.points + delta))


def _emit(session: Session, entry: PointsEntry) -> None:
    after = balances(session, entry.household_id)
    outbox.emit(session, "points.recorded", {
        "entry_id": entry.entry_id, "household_id": entry.household_id, "points": entry.points,
        "status": entry.status, "reason": entry.revoke_reason if entry.status == REVOKED else entry.reason,
        "spendable_balance": after["spendable"], "honour_balance": after["honour"],
        "rule": {"id": entry.rule_id, "version": entry.rule_version, "policy": entry.rule_policy},
        "resident_id": entry.resident_id, "hamlet_id": entry.hamlet_id, "source": entry.source,
        "deed_code": entry.deed_code, "quarter": entry.quarter,
    }, subject=f"household/{entry.household_id}")


def _cap_room(session: Session, household_id: str, deed_code: str, quarter: str, cap: int,
              cap_period: str) -> int:
    """Points of ``deed_code`` still allowed this period: pending entries count, they may be approved."""
    quarters = periods.quarters_in(periods.containing(quarter, cap_period))
    used = session.execute(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
        PointsEntry.household_id == household_id, PointsEntry.deed_code == deed_code,
        PointsEntry.status.in_([PENDING, APPROVED]), PointsEntry.points > 0,
        PointsEntry.quarter.in_(quarters))).scalar_one()
    return max(int(cap) - int(used), 0)


def resolve(policy, candidates: list[tuple[str, int | Decimal]]) -> tuple[str, int | Decimal, dict] | None:
    """The first deed code the catalogue knows, with its units and decision, or None.

    A source may be priced several ways (labour per hour, else per occasion); the rule file in
    force decides which one exists. None means the policy gives this source no points."""
    for deed_code, units in candidates:
        decision = policy_port.decide(policy, AREA, {"deed_code": deed_code})
        if decision.get("outcome") in ("award", "deduct") and decision["values"].get("points") is not None:
            return deed_code, units, decision
    return None


def record(session: Session, policy, *, household_id: str, deed_code: str, source: str, reason: str,
           now: datetime, quarter: str | None = None, resident_id: str | None = None,
           hamlet_id: str | None = None, units: int | Decimal = 1, points: int | None = None,
           rule: dict | None = None, source_ref: str | None = None,
           decision: dict | None = None) -> PointsEntry:
    """Record a pending entry. Points are the rule's ``values.points`` x ``units`` unless a rule
    already decided them (``points.decided``); a positive entry is cut to what the period's cap
    leaves, and one over a full cap is stored as rejected so the refusal stays on record."""
    if source not in SOURCES or source == "redemption":
        raise ValidationFailed.from_messages({"source": [f"not a points source: {source}"]})
    decision = decision or policy_port.decide(policy, AREA, {"deed_code": deed_code})
    values = decision["values"]
    if points is None:
        if decision.get("outcome") not in ("award", "deduct") or values.get("points") is None:
            raise PolicyRefused({"message": f"no civility-points rule for deed {deed_code!r}",
                                 "rule": policy_port.rule_ref(decision), "deed_code": deed_code})
        # Labour hours may be fractional: whole points only, rounded toward zero, never up.
        points = int(Decimal(str(values["points"])) * Decimal(str(units)))
    rule = rule or policy_port.rule_ref(decision)
    quarter = quarter or periods.quarter_of(now)

    lock_account(session, household_id)  # serialises the cap check with other entries of this household
    granted, status, note = points, PENDING, reason
    cap = values.get("cap_per_period") if decision.get("outcome") in ("award", "deduct") else None
    if cap is not None and points > 0:
        room = _cap_room(session, household_id, deed_code, quarter, cap, values.get("period") or "quarter")
        if points > room:
            granted = room
            note = f"{reason} (cap {cap} per {values.get('period') or 'quarter'}: {room} of {points} left)"
            if room == 0:
                status = REJECTED
    entry = PointsEntry(
        entry_id=new_id("pe"), household_id=household_id, resident_id=resident_id,
        hamlet_id=hamlet_id, source=source, source_ref=source_ref, deed_code=deed_code,
        points=granted, requested_points=points, counts_spendable=True, counts_honour=True,
        status=status, reason=note, quarter=quarter, rule_id=rule["id"],
        rule_version=int(rule["version"]), rule_policy=rule.get("policy") or AREA, created_at=now,
        decided_by="policy" if status == REJECTED else None, decided_at=now if status == REJECTED else None)
    session.add(entry)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict({"message": f"{source} {source_ref} already has a points entry",
                        "source": source, "source_ref": source_ref}) from None
    _emit(session, entry)
    return entry


def record_many(session: Session, decision: dict, deed_code: str, source: str, quarter: str,
                now: datetime, items: list[dict]) -> list[PointsEntry]:
    """:func:`record` for a batch priced by one decision of ``deed_code`` (a hamlet's rating
    sheet, a work day's labour): ``items`` are ``{household_id, units, source_ref, reason,
    resident_id?, hamlet_id?}``. The accounts are locked together, the cap's room is read in one
    query, and the entries are inserted in one statement; no event per entry (the batch's own
    event carries them). Returns the entries written as plain objects with a
    :class:`PointsEntry`'s attributes (not ORM instances: building those cost more than the INSERT)."""
    values = decision["values"]
    if decision.get("outcome") not in ("award", "deduct") or values.get("points") is None:
        raise PolicyRefused({"message": f"no civility-points rule for deed {deed_code!r}",
                             "rule": policy_port.rule_ref(decision), "deed_code": deed_code})
    rule = policy_port.rule_ref(decision)
    households = [i["household_id"] for i in items]
    lock_accounts(session, households)
    cap = values.get("cap_per_period")
    room: dict[str, int] = {}
    if cap is not None:
        quarters = periods.quarters_in(periods.containing(quarter, values.get("period") or "quarter"))
        # Only the households' index in the WHERE: with the status or quarter also there, SQLite
        # chose the status index (two values for the whole ledger) and scanned every pending
        # entry of the county per sheet (150 ms at 150,000 entries, growing with the ledger).
        used: dict[str, int] = {}
        for household_id, points, status, in_quarter in session.execute(
                select(PointsEntry.household_id, PointsEntry.points, PointsEntry.status, PointsEntry.quarter)
                .where(PointsEntry.household_id.in_(sorted(set(households))), PointsEntry.deed_code == deed_code)):
            if status in (PENDING, APPROVED) and points > 0 and in_quarter in quarters:
                used[household_id] = used.get(household_id, 0) + points
        room = {h: max(int(cap) - int(used.get(h, 0)), 0) for h in households}
    rows = []
    for item in items:
        points = int(Decimal(str(values["points"])) * Decimal(str(item["units"])))
        granted, status, note = points, PENDING, item["reason"]
        household_id = item["household_id"]
        if cap is not None and points > 0:
            left = room[household_id]
            if points > left:
                granted = left
                note = f"{note} (cap {cap} per {values.get('period') or 'quarter'}: {left} of {points} left)"
                status = REJECTED if left == 0 else PENDING
            room[household_id] = left - granted
        rows.append(dict(
            entry_id=new_id("pe"), household_id=household_id, resident_id=item.get("resident_id"),
            hamlet_id=item.get("hamlet_id"), source=source, source_ref=item["source_ref"], deed_code=deed_code,
            points=granted, requested_points=points, counts_spendable=True, counts_honour=True,
            status=status, reason=note, quarter=quarter, rule_id=rule["id"], rule_version=int(rule["version"]),
            rule_policy=rule.get("policy") or AREA, created_at=now,
            decided_by="policy" if status == REJECTED else None, decided_at=now if status == REJECTED else None))
    if rows:
        try:
            with session.begin_nested():
                insert_rows(session, PointsEntry, rows)
        except IntegrityError:
            raise Conflict({"message": f"a {source} of this batch already has a points entry",
                            "source": source}) from None
    return [SimpleNamespace(**row) for row in rows]


def get(session: Session, entry_id: str, *, lock: bool = False) -> PointsEntry:
    return get_or_404(session, PointsEntry, entry_id, "points entry", lock=lock, refresh=True)


def _check(entry: PointsEntry, action: str) -> str:
    if entry.source == "redemption":
        raise Conflict({"message": "a redemption's points change only with the redemption (cancel it)",
                        "entry_id": entry.entry_id})
    allowed_from, target = _ALLOWED[action]
    if entry.status not in allowed_from:
        raise IllegalTransition.of("points entry", entry.status, action,
                                   [a for a, (src, _) in _ALLOWED.items() if entry.status in src])
    return target


def approve(session: Session, entry_ids: list[str], cadre_id: str, now: datetime) -> list[PointsEntry]:
    """村干部审核 approve pending entries; all or none."""
    entries = [get(session, entry_id) for entry_id in dict.fromkeys(entry_ids)]
    for entry in entries:
        _check(entry, "approve")
    for household_id in sorted({e.household_id for e in entries}):  # one lock order: no deadlocks
        lock_account(session, household_id)
    done = []
    for entry in entries:
        entry = get(session, entry.entry_id, lock=True)
        _check(entry, "approve")  # re-read under lock: a concurrent approval may have won
        entry.status, entry.decided_by, entry.decided_at = APPROVED, cadre_id, now
        session.flush()
        _adjust(session, entry, +1)
        _emit(session, entry)
        done.append(entry)
    return done


def reject(session: Session, entry_id: str, cadre_id: str, reason: str, now: datetime) -> PointsEntry:
    entry = get(session, entry_id, lock=True)
    _check(entry, "reject")
    entry.status, entry.decided_by, entry.decided_at, entry.decision_note = REJECTED, cadre_id, now, reason
    session.flush()
    _emit(session, entry)
    return entry


def revoke(session: Session, entry_id: str, by: str, reason: str, now: datetime) -> PointsEntry:
    """撤销 an approved entry, with its reason; the balances lose exactly its points."""
    if not (reason or "").strip():
        raise ValidationFailed.from_messages({"reason": ["a revocation needs a reason"]})
    entry = get(session, entry_id)
    _check(entry, "revoke")
    lock_account(session, entry.household_id)
    entry = get(session, entry_id, lock=True)
    _check(entry, "revoke")
    entry.status, entry.revoked_by, entry.revoked_at, entry.revoke_reason = REVOKED, by, now, reason
    session.flush()
    _adjust(session, entry, -1)
    _emit(session, entry)
    return entry


def debit(session: Session, *, household_id: str, points: int, redemption_id: str, reason: str,
          rule: dict, now: datetime, resident_id: str | None = None) -> PointsEntry:
    """Spend points (爱心超市): a conditional UPDATE, so two spends can never both pass the check."""
    if points <= 0:
        raise ValidationFailed.from_messages({"points": ["must be positive"]})
    result = session.execute(update(PointsAccount).where(
        PointsAccount.household_id == household_id, PointsAccount.spendable >= points,
    ).values(spendable=PointsAccount.spendable - points))
    if result.rowcount != 1:
        have = balances(session, household_id)["spendable"]
        raise Conflict({"message": f"household {household_id} has {have} points, needs {points}",
                        "household_id": household_id, "spendable": have, "needed": points})
    entry = PointsEntry(
        entry_id=new_id("pe"), household_id=household_id, resident_id=resident_id,
        source="redemption", source_ref=redemption_id, deed_code="love_supermarket_redemption",
        points=-points, requested_points=-points, counts_spendable=True, counts_honour=False,
        status=APPROVED, reason=reason, quarter=periods.quarter_of(now), rule_id=rule["id"],
        rule_version=int(rule["version"]), rule_policy=rule.get("policy") or AREA, created_at=now,
        decided_by="love_supermarket", decided_at=now)
    session.add(entry)
    session.flush()
    _emit(session, entry)
    return entry


def refund(session: Session, entry_id: str, by: str, reason: str, now: datetime) -> PointsEntry:
    """A cancelled redemption gives its points back: its debit entry is revoked."""
    entry = get(session, entry_id, lock=True)
    if entry.source != "redemption" or entry.status != APPROVED:
        raise IllegalTransition.of("redemption entry", entry.status, "refund", [])
    entry.status, entry.revoked_by, entry.revoked_at, entry.revoke_reason = REVOKED, by, now, reason
    session.flush()
    _adjust(session, entry, -1)
    _emit(session, entry)
    return entry


def list_entries(session: Session, *, household_id=None, status=None, quarter=None, source=None,
                 hamlet_id=None, limit: int = 100, offset: int = 0, caller=None) -> list[PointsEntry]:
    village = select(Household.village_id).where(Household.household_id == PointsEntry.household_id).scalar_subquery()
    query = scoped(select(PointsEntry), caller, household=PointsEntry.household_id,
                   hamlet=PointsEntry.hamlet_id, village=village)
    for column, value in ((PointsEntry.household_id, household_id), (PointsEntry.status, status),
                          (PointsEntry.quarter, quarter), (PointsEntry.source, source),
                          (PointsEntry.hamlet_id, hamlet_id)):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(PointsEntry.created_at, PointsEntry.entry_id).limit(limit).offset(offset)
    return list(session.execute(query).scalars())
