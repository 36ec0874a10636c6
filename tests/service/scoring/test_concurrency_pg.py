"""爱心超市 under real concurrency on PostgreSQL: never more points than a household has, never
stock below zero, when redemptions arrive at the same moment.

Separate OS processes, each with its own connection, wait on one barrier and then redeem at
once; the database alone decides who wins (account row lock + conditional UPDATEs).
"""
from __future__ import annotations

import multiprocessing
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from services.kernel import migrations
from services.kernel.db import make_engine, session_factory
from services.kernel.errors import Conflict
from services.scoring import households, ledger, supermarket
from services.scoring.models import Goods, PointsEntry, Redemption
from tests.support.scoring_policy import FakePolicy

NOW = datetime(2025, 5, 16, 9, 0, tzinfo=timezone.utc)


def _redeem(url, household_id, goods_id, barrier, results):
    """Child process: one redemption, started together with the others."""
    engine = make_engine(url)
    policy = FakePolicy(supermarket={"min_balance_to_redeem": 1, "max_redemptions_per_month": 100})
    with session_factory(engine)() as session:
        session.execute(select(1))  # connected and in a transaction before the start signal
        barrier.wait(timeout=60)
        try:
            supermarket.request_redemption(session, policy, {"household_id": household_id,
                                                             "goods_id": goods_id, "quantity": 1}, NOW)
            session.commit()
            results.put("ok")
        except Conflict as exc:
            session.rollback()
            results.put("conflict:" + exc.detail["message"])
        except Exception as exc:  # noqa: BLE001  reported to the parent, which fails the test
            session.rollback()
            results.put(f"error:{type(exc).__name__}:{exc}")
    engine.dispose()


@pytest.fixture
def db(postgres_url):
    migrations.upgrade("scoring", postgres_url)  # the real migrations, on PostgreSQL
    engine = make_engine(postgres_url)
    yield postgres_url, session_factory(engine)
    engine.dispose()


def _setup(sessionmaker, points_by_household: dict, price: int, stock: int) -> str:
    policy = FakePolicy()
    with sessionmaker() as session:
        for household_id, hours in points_by_household.items():
            households.apply_registered(session, {
                "household_id": household_id, "hamlet_id": "g3", "village_id": "wuguidun", "town_id": "t",
                "head_name": household_id, "party_member": False, "hub_household_id": None}, NOW)
            entry = ledger.record(session, policy, household_id=household_id, deed_code="labour_hour",
                                  source="labour", reason="义务工", units=hours, now=NOW)
            ledger.approve(session, [entry.entry_id], "cadre", NOW)
        goods = supermarket.add_goods(session, {"village_id": "wuguidun", "name": "洗衣粉",
                                                "price_points": price, "stock": stock}, NOW)
        session.commit()
        return goods.goods_id


def _race(url, pairs):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(pairs)), ctx.Queue()
    procs = [ctx.Process(target=_redeem, args=(url, h, g, barrier, results)) for h, g in pairs]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    return outcomes


def test_one_household_redeeming_at_once_never_overspends(db):
    url, sessionmaker = db
    goods_id = _setup(sessionmaker, {"h1": 10}, price=6, stock=100)  # 20 points: room for 3
    outcomes = _race(url, [("h1", goods_id)] * 6)
    assert outcomes.count("ok") == 3, outcomes
    with sessionmaker() as session:
        assert ledger.balances(session, "h1")["spendable"] == 2
        assert ledger.balances_from_entries(session, "h1") == ledger.balances(session, "h1")
        assert session.execute(select(Goods.stock)).scalar_one() == 97
        assert session.execute(select(func.count()).select_from(Redemption)).scalar_one() == 3


def test_many_households_racing_for_the_last_items_never_oversell(db):
    url, sessionmaker = db
    goods_id = _setup(sessionmaker, {f"h{i}": 10 for i in range(6)}, price=5, stock=2)
    outcomes = _race(url, [(f"h{i}", goods_id) for i in range(6)])
    assert outcomes.count("ok") == 2, outcomes
    with sessionmaker() as session:
        assert session.execute(select(Goods.stock)).scalar_one() == 0
        debits = session.execute(select(func.count()).select_from(PointsEntry).where(
            PointsEntry.source == "redemption")).scalar_one()
        assert debits == 2  # the losers' debits were rolled back with their stock
        for i in range(6):
            assert ledger.balances_from_entries(session, f"h{i}") == ledger.balances(session, f"h{i}")
