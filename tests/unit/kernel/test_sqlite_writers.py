"""Under eventlet, a SQLite writer waiting its turn must not freeze the other green threads."""
import eventlet
from sqlalchemy import text

from services.kernel import db


def test_a_waiting_writer_yields_to_other_green_threads(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path}/w.sqlite")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    sessions = db.session_factory(engine)
    ticks = []
    order = []

    def holder():
        with sessions() as s:
            s.execute(text("INSERT INTO t VALUES (1)"))
            order.append("holder wrote")
            eventlet.sleep(0.3)  # e.g. waiting on an RPC reply while holding the write lock
            s.commit()
            order.append("holder committed")

    def second_writer():
        with sessions() as s:
            s.execute(text("INSERT INTO t VALUES (2)"))
            order.append("second wrote")
            s.commit()

    def ticker():
        for _ in range(5):
            ticks.append(1)
            eventlet.sleep(0.02)

    threads = [eventlet.spawn(holder)]
    eventlet.sleep(0.01)
    threads += [eventlet.spawn(second_writer), eventlet.spawn(ticker)]
    for gt in threads:
        gt.wait()
    assert order == ["holder wrote", "holder committed", "second wrote"]
    assert len(ticks) == 5  # the ticker ran while the second writer waited
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    engine.dispose()


def test_a_savepoint_before_any_write_stays_inside_the_sessions_transaction(tmp_path):
    """The sqlite3 driver begins a transaction only at the first INSERT/UPDATE/DELETE: a
    ``begin_nested()`` before one used to open its own, and its RELEASE committed the rows."""
    engine = db.make_engine(f"sqlite:///{tmp_path}/s.sqlite")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    sessions = db.session_factory(engine)
    with sessions() as s:
        s.execute(text("SELECT 1"))            # reads only: the driver has begun nothing yet
        with s.begin_nested():
            s.execute(text("INSERT INTO t VALUES (1)"))
        s.execute(text("INSERT INTO t VALUES (2)"))
        s.rollback()                           # the whole unit of work fails ...
    with sessions() as s:
        assert s.execute(text("SELECT n FROM t")).all() == []   # ... and nothing of it stays
        with s.begin_nested():
            s.execute(text("INSERT INTO t VALUES (3)"))
        try:
            with s.begin_nested():
                s.execute(text("INSERT INTO t VALUES (4)"))
                raise ValueError("a nested failure rolls back its savepoint only")
        except ValueError:
            pass
        s.commit()
    with sessions() as s:
        assert s.execute(text("SELECT n FROM t")).all() == [(3,)]
