"""爱心超市 the love supermarket: goods priced in points, donations, redemptions.

A redemption holds its points and stock the moment it is requested (``pending``), so the
household cannot spend them twice before the goods are handed over (``done``); ``cancelled``
gives both back. Points are debited by a conditional UPDATE on the household's account and
stock by ``UPDATE ... WHERE stock >= n``: two redemptions at the same moment can never
overspend or oversell (tests/service/scoring/test_concurrency_pg.py proves it on PostgreSQL).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.kernel import outbox, periods
from services.kernel import policy as policy_port
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, IllegalTransition, PolicyRefused, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.paging import paged

from . import households, ledger
from .models import Donation, Goods, Redemption

PENDING, DONE, CANCELLED = "pending", "done", "cancelled"
SECTIONS = ("love_supermarket", "supermarket", "redemption")


def add_goods(session: Session, data: dict, now: datetime) -> Goods:
    goods = Goods(goods_id=new_id("gd"), village_id=data["village_id"], name=data["name"],
                  price_points=data["price_points"], stock=data.get("stock", 0), created_at=now)
    session.add(goods)
    session.flush()
    return goods


def get_goods(session: Session, goods_id: str) -> Goods:
    return get_or_404(session, Goods, goods_id, "goods", refresh=True)


def list_goods(session: Session, village_id: str | None = None,
        *, limit: int | None = None, offset: int = 0) -> list[Goods]:
    query = select(Goods).order_by(Goods.name)
    if village_id:
        query = query.where(Goods.village_id == village_id)
    return list(session.execute(paged(query.execution_options(populate_existing=True), limit, offset)).scalars())


def money_total(session: Session, village_id: str) -> Decimal:
    total = session.execute(select(func.coalesce(func.sum(Donation.amount), 0)).where(
        Donation.village_id == village_id, Donation.kind == "money")).scalar_one()
    return Decimal(total).quantize(Decimal("0.01"))


def record_donation(session: Session, data: dict, now: datetime) -> Donation:
    """捐赠 money (Decimal yuan) or goods; donated goods go straight into stock."""
    goods = None
    if data["kind"] == "goods":
        goods = get_goods(session, data["goods_id"])
        if goods.village_id != data["village_id"]:
            raise ValidationFailed.from_messages({"goods_id": ["goods of another village's supermarket"]})
        session.execute(update(Goods).where(Goods.goods_id == goods.goods_id)
                        .values(stock=Goods.stock + data["quantity"]))
    donation = Donation(
        donation_id=new_id("dn"), village_id=data["village_id"], kind=data["kind"],
        donor_name=data["donor_name"], donor_household_id=data.get("donor_household_id"),
        amount=data.get("amount") if data["kind"] == "money" else None,
        goods_id=goods.goods_id if goods else None,
        quantity=data.get("quantity") if goods else None,
        description=data.get("description", ""), recorded_by=data["recorded_by"], created_at=now)
    session.add(donation)
    session.flush()
    outbox.emit(session, "donation.recorded", {
        "donation_id": donation.donation_id, "village_id": donation.village_id, "kind": donation.kind,
        "donor_name": donation.donor_name, "amount": donation.amount, "goods_id": donation.goods_id,
        "quantity": donation.quantity, "total_money": money_total(session, donation.village_id),
    }, subject=f"village/{donation.village_id}")
    return donation


def list_donations(session: Session, village_id: str,
        *, limit: int | None = None, offset: int = 0) -> list[Donation]:
    return list(session.execute(paged(select(Donation).where(Donation.village_id == village_id)
                                .order_by(Donation.created_at), limit, offset)).scalars())


def _rules(policy) -> tuple[dict, dict]:
    answer = policy_port.params(policy, ledger.AREA)
    rule = {"id": f"{ledger.AREA}.love_supermarket", "version": int(answer.get("version") or 0),
            "policy": ledger.AREA}
    return answer["params"], rule


def _emit(session: Session, redemption: Redemption, goods: Goods) -> None:
    outbox.emit(session, "redemption.recorded", {
        "redemption_id": redemption.redemption_id, "household_id": redemption.household_id,
        "goods_id": goods.goods_id, "goods_name": goods.name, "quantity": redemption.quantity,
        "points": redemption.points, "status": redemption.status,
        "spendable_balance": ledger.balances(session, redemption.household_id)["spendable"],
        "stock_left": session.execute(select(Goods.stock).where(Goods.goods_id == goods.goods_id)).scalar_one(),
    }, subject=f"household/{redemption.household_id}")


def request_redemption(session: Session, policy, data: dict, now: datetime) -> Redemption:
    """兑换 hold the points and the stock; refused when either is short, or the rule says no."""
    household = households.named(session, data["household_id"])
    goods = get_goods(session, data["goods_id"])
    if goods.village_id != household.village_id:
        raise ValidationFailed.from_messages({"goods_id": ["goods of another village's supermarket"]})
    params, rule = _rules(policy)
    quantity = data["quantity"]
    price = goods.price_points * quantity
    month = periods.month_of(now)

    ledger.lock_account(session, household.household_id)  # limits below are read under this lock
    minimum = policy_port.find_param(params, "min_balance_to_redeem", *SECTIONS)
    have = ledger.balances(session, household.household_id)["spendable"]
    if minimum is not None and have < int(minimum):
        raise PolicyRefused({"message": f"a balance of {minimum} points is needed to redeem; it is {have}",
                             "rule": {**rule, "id": f"{ledger.AREA}.min_balance_to_redeem"}})
    per_month = policy_port.find_param(params, "max_redemptions_per_month", *SECTIONS)
    if per_month is not None:
        used = session.execute(select(func.count()).select_from(Redemption).where(
            Redemption.household_id == household.household_id, Redemption.month == month,
            Redemption.status != CANCELLED)).scalar_one()
        if used >= int(per_month):
            raise PolicyRefused({"message": f"{used} redemptions this month already; the limit is {per_month}",
                                 "rule": {**rule, "id": f"{ledger.AREA}.max_redemptions_per_month"}})

    taken = session.execute(update(Goods).where(Goods.goods_id == goods.goods_id, Goods.stock >= quantity)
                            .values(stock=Goods.stock - quantity))
    if taken.rowcount != 1:
        left = session.execute(select(Goods.stock).where(Goods.goods_id == goods.goods_id)).scalar_one()
        raise Conflict({"message": f"{goods.name}: {left} in stock, {quantity} requested",
                        "goods_id": goods.goods_id, "stock": left, "requested": quantity})
    redemption_id = new_id("rd")
    entry = ledger.debit(session, household_id=household.household_id, points=price,
                         redemption_id=redemption_id, resident_id=data.get("resident_id"),
                         reason=f"爱心超市 {goods.name} x{quantity}", rule=rule, now=now)
    redemption = Redemption(
        redemption_id=redemption_id, household_id=household.household_id,
        resident_id=data.get("resident_id"), goods_id=goods.goods_id, quantity=quantity,
        points=price, status=PENDING, month=month, entry_id=entry.entry_id, created_at=now)
    session.add(redemption)
    session.flush()
    _emit(session, redemption, goods)
    return redemption


def get_redemption(session: Session, redemption_id: str, *, lock: bool = False) -> Redemption:
    return get_or_404(session, Redemption, redemption_id, "redemption", lock=lock, refresh=True)


def _pending(session: Session, redemption_id: str, action: str) -> Redemption:
    redemption = get_redemption(session, redemption_id, lock=True)
    if redemption.status != PENDING:
        raise IllegalTransition.of("redemption", redemption.status, action, [])
    return redemption


def complete(session: Session, redemption_id: str, handled_by: str, now: datetime) -> Redemption:
    """The goods are handed over: nothing moves, the hold becomes final."""
    redemption = _pending(session, redemption_id, "complete")
    redemption.status, redemption.handled_by, redemption.handled_at = DONE, handled_by, now
    session.flush()
    _emit(session, redemption, get_goods(session, redemption.goods_id))
    return redemption


def cancel(session: Session, redemption_id: str, by: str, reason: str, now: datetime) -> Redemption:
    """Cancelled: points refunded (the debit entry is revoked) and stock put back."""
    redemption = _pending(session, redemption_id, "cancel")
    ledger.lock_account(session, redemption.household_id)
    ledger.refund(session, redemption.entry_id, by, f"redemption cancelled: {reason}", now)
    session.execute(update(Goods).where(Goods.goods_id == redemption.goods_id)
                    .values(stock=Goods.stock + redemption.quantity))
    redemption.status, redemption.handled_by, redemption.handled_at = CANCELLED, by, now
    redemption.cancel_reason = reason
    session.flush()
    _emit(session, redemption, get_goods(session, redemption.goods_id))
    return redemption


def list_redemptions(session: Session, *, household_id=None, status=None, village_id=None,
        limit: int | None = None, offset: int = 0) -> list[Redemption]:
    query = select(Redemption).order_by(Redemption.created_at)
    if household_id:
        query = query.where(Redemption.household_id == household_id)
    if status:
        query = query.where(Redemption.status == status)
    if village_id:
        query = query.join(Goods, Goods.goods_id == Redemption.goods_id).where(Goods.village_id == village_id)
    return list(session.execute(paged(query, limit, offset)).scalars())
