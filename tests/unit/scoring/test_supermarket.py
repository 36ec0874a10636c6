"""爱心超市: holds, refunds, stock, donations, limits from the rule file."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from services.kernel.errors import Conflict, IllegalTransition, PolicyRefused, ValidationFailed
from services.scoring import ledger, supermarket
from services.scoring.models import Goods

from .conftest import NOW
from .helpers import emitted


def earn(session, policy, household, hours):
    entry = ledger.record(session, policy, household_id=household, deed_code="labour_hour",
                          source="labour", reason="义务工", units=hours, now=NOW)
    ledger.approve(session, [entry.entry_id], "cadre", NOW)


@pytest.fixture
def shop(roster, policy):
    earn(roster, policy, "h1", 10)  # 20 points
    soap = supermarket.add_goods(roster, {"village_id": "wuguidun", "name": "肥皂 soap", "price_points": 6,
                                          "stock": 2}, NOW)
    roster.commit()
    return soap


def redeem(session, policy, goods, household="h1", quantity=1):
    return supermarket.request_redemption(session, policy, {"household_id": household, "goods_id": goods.goods_id,
                                                            "quantity": quantity}, NOW)


def stock(session, goods):
    return session.execute(select(Goods.stock).where(Goods.goods_id == goods.goods_id)).scalar_one()


def test_a_redemption_holds_points_and_stock_until_done(roster, policy, shop):
    redemption = redeem(roster, policy, shop, quantity=2)
    assert (redemption.status, redemption.points) == ("pending", 12)
    assert ledger.balances(roster, "h1") == {"household_id": "h1", "spendable": 8, "honour": 20}
    assert stock(roster, shop) == 0
    done = supermarket.complete(roster, redemption.redemption_id, "cadre-wu", NOW)
    assert done.status == "done"
    assert ledger.balances(roster, "h1")["spendable"] == 8  # spending never lowers honour
    assert ledger.balances_from_entries(roster, "h1") == ledger.balances(roster, "h1")
    with pytest.raises(IllegalTransition):
        supermarket.cancel(roster, redemption.redemption_id, "cadre", "too late", NOW)
    assert [e["status"] for e in emitted(roster, "redemption.recorded")] == ["pending", "done"]


def test_cancelling_gives_points_and_stock_back(roster, policy, shop):
    redemption = redeem(roster, policy, shop)
    with pytest.raises(Conflict):  # a redemption's debit is only undone by cancelling the redemption
        ledger.revoke(roster, redemption.entry_id, "cadre", "sneaky", NOW)
    supermarket.cancel(roster, redemption.redemption_id, "cadre", "the household changed its mind", NOW)
    assert ledger.balances(roster, "h1")["spendable"] == 20 and stock(roster, shop) == 2
    assert ledger.get(roster, redemption.entry_id).status == "revoked"
    assert ledger.balances_from_entries(roster, "h1") == ledger.balances(roster, "h1")


def test_never_more_points_than_the_household_has(roster, policy, shop):
    expensive = supermarket.add_goods(roster, {"village_id": "wuguidun", "name": "电饭锅 rice cooker",
                                               "price_points": 21, "stock": 5}, NOW)
    roster.commit()
    with pytest.raises(Conflict) as info:
        redeem(roster, policy, expensive)
    assert (info.value.detail["spendable"], info.value.detail["needed"]) == (20, 21)
    roster.rollback()  # as the service does when a domain call raises
    assert stock(roster, expensive) == 5 and ledger.balances(roster, "h1")["spendable"] == 20
    exact = supermarket.add_goods(roster, {"village_id": "wuguidun", "name": "米 rice", "price_points": 20,
                                           "stock": 1}, NOW)
    redeem(roster, policy, exact)  # exactly the balance is allowed
    assert ledger.balances(roster, "h1")["spendable"] == 0


def test_stock_never_below_zero(roster, policy, shop):
    with pytest.raises(Conflict) as info:
        redeem(roster, policy, shop, quantity=3)
    assert info.value.detail["stock"] == 2


def test_rule_file_limits(roster, policy, shop):
    with pytest.raises(PolicyRefused):  # min_balance_to_redeem 1: h2 has nothing
        redeem(roster, policy, shop, household="h2")
    policy.supermarket["max_redemptions_per_month"] = 1
    first = redeem(roster, policy, shop)
    with pytest.raises(PolicyRefused) as info:
        redeem(roster, policy, shop)
    assert info.value.detail["rule"]["id"] == "civility_points.max_redemptions_per_month"
    supermarket.cancel(roster, first.redemption_id, "cadre", "mistake", NOW)
    redeem(roster, policy, shop)  # a cancelled redemption does not count


def test_goods_of_another_village_are_refused(roster, policy, shop):
    other = supermarket.add_goods(roster, {"village_id": "other", "name": "盐 salt", "price_points": 1,
                                           "stock": 1}, NOW)
    with pytest.raises(ValidationFailed):
        redeem(roster, policy, other)


def test_donations_of_money_and_goods(roster, shop):
    for amount in ("12000.50", "7999.50"):
        supermarket.record_donation(roster, {"village_id": "wuguidun", "kind": "money", "donor_name": "村干部",
                                             "amount": Decimal(amount), "recorded_by": "cadre"}, NOW)
    supermarket.record_donation(roster, {"village_id": "wuguidun", "kind": "goods", "donor_name": "党员 王",
                                         "goods_id": shop.goods_id, "quantity": 10, "recorded_by": "cadre"}, NOW)
    assert supermarket.money_total(roster, "wuguidun") == Decimal("20000.00")
    assert stock(roster, shop) == 12
    assert emitted(roster, "donation.recorded")[1]["total_money"] == "20000.00"
