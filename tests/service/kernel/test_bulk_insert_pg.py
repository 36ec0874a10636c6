"""On PostgreSQL many rows go in one INSERT per page, not one statement per row (pg8000)."""
import pytest
from sqlalchemy import event, func, select

from services.kernel import db, outbox

DEED = {"deed_id": "1", "household_id": "h1", "hamlet_id": "g3", "deed_code": "sweep", "verified_by": "c1"}


def test_emit_many_sends_pages_of_rows_not_a_statement_per_row(postgres_url):
    engine = db.make_engine(postgres_url)
    db.create_all(engine)
    inserts = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO KERNEL_OUTBOX"):
            inserts.append(statement.count("), ("))  # rows in this statement, minus one

    sessions = db.session_factory(engine)
    with sessions() as session:
        assert outbox.emit_many(session, "good_deed.verified", ((dict(DEED, deed_id=str(n)), None)
                                                                 for n in range(2500))) == 2500
        session.commit()
        assert session.execute(select(func.count()).select_from(db.outbox_table)).scalar_one() == 2500
    engine.dispose()
    # emit_many's batches of 1,000 rows: 3 statements carrying every row (not 2,500 executions
    # of a one-row statement, which pg8000's executemany is)
    assert len(inserts) == 3 and sum(n + 1 for n in inserts) == 2500, inserts


def test_copy_rows_carries_every_value_as_written(postgres_url):
    """db.copy_rows (COPY on PostgreSQL): NULL apart from an empty text, tabs, newlines and
    backslashes kept, booleans, numbers and times; a value COPY cannot carry falls back to INSERT."""
    from datetime import datetime, timezone

    from sqlalchemy import Boolean, Column, DateTime, Integer, JSON, MetaData, String, Table, Text

    meta = MetaData()
    table = Table(f"copy_probe_{__import__('uuid').uuid4().hex[:8]}", meta,
                  Column("id", String(20), primary_key=True), Column("text", Text), Column("flag", Boolean),
                  Column("n", Integer), Column("at", DateTime(timezone=True)), Column("extra", JSON))
    engine = db.make_engine(postgres_url)
    meta.create_all(engine)
    at = datetime(2026, 5, 1, 8, 30, tzinfo=timezone.utc)
    rows = [{"id": "a", "text": "tab\there\nline\\back\r", "flag": True, "n": 3, "at": at},
            {"id": "b", "text": "", "flag": False, "n": None},
            {"id": "c", "text": None, "flag": None, "n": -7, "at": None}]
    copies = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):
        copies.append(statement)

    try:
        with db.session_factory(engine)() as session:
            db.copy_rows(session, table, rows)
            db.copy_rows(session, table, [{"id": "d", "extra": {"k": [1]}}])  # JSON: not COPY's text
            session.commit()
            got = {r.id: r for r in session.execute(select(table))}
        assert got["a"].text == "tab\there\nline\\back\r" and got["a"].flag is True and got["a"].n == 3
        assert got["a"].at == at
        assert got["b"].text == "" and got["b"].flag is False and got["b"].n is None and got["b"].at is None
        assert got["c"].text is None and got["c"].flag is None and got["c"].n == -7
        assert got["d"].extra == {"k": [1]}
        # the first call went by COPY (no INSERT through SQLAlchemy), the JSON row by INSERT
        assert [s.split()[0].upper() for s in copies if s.lstrip().upper().startswith(("INSERT", "COPY"))] \
            == ["INSERT"]
    finally:
        meta.drop_all(engine)
        engine.dispose()
