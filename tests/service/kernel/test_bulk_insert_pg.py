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
