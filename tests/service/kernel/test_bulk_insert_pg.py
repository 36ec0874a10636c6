"""On PostgreSQL many rows go in by COPY (db.insert_rows), exactly as an INSERT would store them."""
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import (JSON, Boolean, Column, DateTime, Integer, LargeBinary, MetaData, String, Table,
                        Text, event, func, select)
from sqlalchemy.exc import IntegrityError

from services.kernel import db, outbox
from services.kernel.types import Hundredths, UTCDateTime

DEED = {"deed_id": "1", "household_id": "h1", "hamlet_id": "g3", "deed_code": "sweep", "verified_by": "c1"}


def _statements(engine) -> list[str]:
    """Every statement SQLAlchemy sends (COPY goes by the driver's cursor, so it is not among them)."""
    seen = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: seen.append(statement.split()[0].upper()))
    return seen


def test_emit_many_stores_every_row_without_an_insert_statement(postgres_url):
    engine = db.make_engine(postgres_url)
    db.create_all(engine)
    seen = _statements(engine)
    sessions = db.session_factory(engine)
    with sessions() as session:
        before = session.execute(select(func.count()).select_from(db.outbox_table)).scalar_one()
        assert outbox.emit_many(session, "good_deed.verified", ((dict(DEED, deed_id=str(n)), None)
                                                                 for n in range(2500))) == 2500
        session.commit()
        assert session.execute(select(func.count()).select_from(db.outbox_table)).scalar_one() == before + 2500
    engine.dispose()
    assert "INSERT" not in seen, seen  # three COPYs (batches of 1,000), not 2,500 rows of parameters


@pytest.fixture
def probe(postgres_url):
    meta = MetaData()
    table = Table(f"copy_probe_{uuid.uuid4().hex[:8]}", meta,
                  Column("id", String(20), primary_key=True), Column("text", Text), Column("flag", Boolean),
                  Column("n", Integer), Column("at", DateTime(timezone=True)), Column("extra", JSON),
                  Column("yuan", Hundredths()), Column("stamped", UTCDateTime()),
                  Column("state", String(10), default="new"), Column("blob", LargeBinary))
    engine = db.make_engine(postgres_url)
    meta.create_all(engine)
    try:
        yield engine, table
    finally:
        meta.drop_all(engine)
        engine.dispose()


def test_copy_carries_every_value_as_an_insert_would(probe):
    """NULL apart from an empty text; tabs, newlines and backslashes kept; booleans, numbers,
    times; JSON, money (an integer of fen) and UTC times through their column types; a column no
    row names gets its default."""
    engine, table = probe
    seen = _statements(engine)
    at = datetime(2026, 5, 1, 8, 30, tzinfo=timezone.utc)
    rows = [{"id": "a", "text": "tab\there\nline\\back\r", "flag": True, "n": 3, "at": at,
             "extra": {"k": [1, "二"]}, "yuan": Decimal("1200.50"), "stamped": at},
            {"id": "b", "text": "", "flag": False, "n": None},
            {"id": "c", "text": None, "flag": None, "n": -7, "at": None, "yuan": Decimal("0.01")}]
    with db.session_factory(engine)() as session:
        db.insert_rows(session, table, rows)
        session.commit()
        got = {r.id: r for r in session.execute(select(table))}
    assert "INSERT" not in seen
    assert got["a"].text == "tab\there\nline\\back\r" and got["a"].flag is True and got["a"].n == 3
    assert got["a"].at == at and got["a"].stamped == at
    assert got["a"].extra == {"k": [1, "二"]} and got["a"].yuan == Decimal("1200.50")
    assert got["b"].text == "" and got["b"].flag is False and got["b"].n is None and got["b"].at is None
    assert got["c"].text is None and got["c"].flag is None and got["c"].n == -7 and got["c"].yuan == Decimal("0.01")
    assert {r.state for r in got.values()} == {"new"}
    with engine.connect() as conn:  # stored as fen, as the INSERT path stores it
        assert conn.exec_driver_sql(f"SELECT yuan FROM {table.name} WHERE id = 'a'").scalar_one() == 120050


def test_a_value_copy_cannot_carry_goes_by_insert(probe):
    engine, table = probe
    seen = _statements(engine)
    with db.session_factory(engine)() as session:
        db.insert_rows(session, table, [{"id": "d", "blob": b"\x00\x01"}])
        session.commit()
        assert session.execute(select(table.c.blob)).scalar_one() == b"\x00\x01"
    assert seen.count("INSERT") == 1


def test_a_duplicate_raises_integrity_error_and_the_savepoint_keeps_the_rest(probe):
    engine, table = probe
    with db.session_factory(engine)() as session:
        db.insert_rows(session, table, [{"id": "x", "n": 1}])
        with pytest.raises(IntegrityError):
            with session.begin_nested():
                db.insert_rows(session, table, [{"id": "y", "n": 2}, {"id": "x", "n": 3}])
        db.insert_rows(session, table, [{"id": "z", "n": 4}])
        session.commit()
        assert sorted(session.scalars(select(table.c.id))) == ["x", "z"]
