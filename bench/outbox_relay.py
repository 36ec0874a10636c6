"""Outbox relay throughput: events per second published with confirms and mandatory routing.

Target: the relay keeps ahead of a county's busiest hour. A county of ~150,000 households
produces at most a few thousand events an hour (a cleaning day's inspections, a quarter's
ratings); 200 events/s confirmed on one core is more than a day's peak in a minute.
"""
from __future__ import annotations

import os
import tempfile
import time
import uuid

from kombu import Connection, Queue

from services.kernel import catalogue  # noqa: F401
from services.kernel import db, outbox
from services.kernel.relay import OutboxRelay, event_exchange

TARGET_PER_SECOND = 200
N = int(os.environ.get("BENCH_EVENTS", "2000"))


def main() -> dict:
    uri = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    queue = Queue(f"bench-{uuid.uuid4().hex[:8]}", exchange=event_exchange("proposals.events"),
                  routing_key="good_deed.verified", durable=False, auto_delete=False)
    with tempfile.TemporaryDirectory() as tmp, Connection(uri) as connection:
        queue(connection.default_channel).declare()
        engine = db.make_engine(f"sqlite:///{tmp}/bench.sqlite")
        db.create_all(engine)
        sessions = db.session_factory(engine)
        with sessions() as session:
            for n in range(N):
                outbox.emit(session, "good_deed.verified", {
                    "deed_id": str(n), "household_id": f"h{n}", "hamlet_id": "g1",
                    "deed_code": "sweep", "verified_by": "c1"})
            session.commit()
        relay = OutboxRelay(sessions, uri, batch_size=500)
        start = time.perf_counter()
        published = 0
        while published < N:
            published += relay.publish_pending()
        elapsed = time.perf_counter() - start
        relay.stop()
        relay._reset()
        queue(connection.default_channel).delete()
        engine.dispose()
    rate = N / elapsed
    verdict = "ok" if rate >= TARGET_PER_SECOND else "BELOW TARGET"
    print(f"outbox relay: {N} events confirmed in {elapsed:.2f}s = {rate:.0f} events/s "
          f"(target >= {TARGET_PER_SECOND}/s) {verdict}")
    return {"events": N, "seconds": elapsed, "per_second": rate, "ok": rate >= TARGET_PER_SECOND}


if __name__ == "__main__":
    main()
