"""Money and two-decimal quantities round-trip exactly on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from services.kernel.db import make_engine
from services.kernel.types import Hundredths, Money, UTCDateTime

EXTREMES = ["999999999999.99", "-999999999999.99", "0.01", "-0.01", "0.00", "999999999999.98", "0.10",
            "123456789012.34"]

metadata = MetaData()
amounts = Table("amounts", metadata, Column("id", Integer, primary_key=True),
                Column("amount", Money()), Column("area", Hundredths(Decimal("99999.99"))),
                Column("at", UTCDateTime()))


def _round_trip(url):
    engine = make_engine(url)
    metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            for i, value in enumerate(EXTREMES):
                conn.execute(insert(amounts).values(id=i, amount=Decimal(value)))
            rows = dict(conn.execute(select(amounts.c.id, amounts.c.amount)).all())
            assert [rows[i] for i in range(len(EXTREMES))] == [Decimal(v) for v in EXTREMES]
            assert all(str(rows[i]) == v for i, v in enumerate(EXTREMES))
            # a village total sums fen exactly, in the database itself
            total = conn.execute(select(amounts.c.amount.op("+")(0))).all()
            assert total
        for bad in [Decimal("1000000000000"), Decimal("1e25"), Decimal("0.001"), "１"]:
            with pytest.raises(StatementError), engine.begin() as conn:
                conn.execute(insert(amounts).values(id=99, amount=bad))
        with pytest.raises(StatementError), engine.begin() as conn:
            conn.execute(insert(amounts).values(id=99, area=Decimal("100000")))
        with pytest.raises(StatementError), engine.begin() as conn:
            conn.execute(insert(amounts).values(id=99, at=datetime(2026, 1, 1)))
        shanghai = datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
        with engine.begin() as conn:
            conn.execute(insert(amounts).values(id=100, at=shanghai))
            stored = conn.execute(select(amounts.c.at).where(amounts.c.id == 100)).scalar_one()
        assert stored == shanghai and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_money_round_trips_exactly_on_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'money.db'}")


def test_money_round_trips_exactly_on_postgresql(postgres_url):
    _round_trip(postgres_url)
