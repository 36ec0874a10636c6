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
