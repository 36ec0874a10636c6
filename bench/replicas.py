"""Competing consumers: the same event stream applied by one process of scoring, then by two
(``COCREATE_REPLICAS=scoring=2,contributions=2``), each service on a PostgreSQL database of
its own. N ``household.registered`` events are published (windows of confirmed publishes, as
the outbox relay does) and timed until scoring has applied the last one (its processed-event
markers, counted in its database).

    python -m bench replicas        (BENCH_REPLICAS_EVENTS; default 3,000)
"""
from __future__ import annotations

import json
import os
import time
import uuid


def _events(n: int, tag: str):
    from services.kernel import events
    for i in range(n):
        yield events.make_envelope("household.registered", {
            "household_id": f"{tag}-h{i}", "hamlet_id": f"{tag}-g{i % 50}", "village_id": f"{tag}-v",
            "town_id": f"{tag}-t", "head_name": f"户主{i}", "party_member": i % 10 == 0,
            "hub_household_id": None, "village_name": "试点村", "hamlet_name": f"第{i % 50}组"})


def _publish(amqp_uri: str, envelopes) -> None:
    from kombu import Connection

    from services.kernel.relay import ConfirmingChannel
    with Connection(amqp_uri) as connection:
        channel = ConfirmingChannel(connection)
        for k, envelope in enumerate(envelopes, 1):
            channel.publish(envelope["id"], "contributions.events", "household.registered",
                            json.dumps(envelope, ensure_ascii=False))
            if k % 500 == 0:
                channel.wait_for_confirms()
        channel.wait_for_confirms()
        _nacked, returned = channel.take_results()
        if returned:
            raise RuntimeError(f"{len(returned)} events unroutable: is the topology applied?")
        channel.close()


def _applied(scoring_url: str) -> int:
    from sqlalchemy import text

    from services.kernel.db import make_engine
    engine = make_engine(scoring_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM kernel_processed_events "
                                     "WHERE consumer = 'scoring.on_household_registered'")).scalar_one()
    finally:
        engine.dispose()


def one_run(stack, scoring_url: str, n: int) -> float:
    base = _applied(scoring_url)
    envelopes = list(_events(n, uuid.uuid4().hex[:6]))
    started = time.perf_counter()
    _publish(stack.amqp_uri, envelopes)
    deadline = started + 1800
    while _applied(scoring_url) < base + n:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"scoring applied {_applied(scoring_url) - base} of {n} events in 30 min")
        time.sleep(0.5)
    return n / (time.perf_counter() - started)


def measure(amqp_uri: str, postgres_url: str, n: int | None = None) -> dict:
    from bench.suite import postgres_databases, started_stack
    n = n or int(os.environ.get("BENCH_REPLICAS_EVENTS", "3000"))
    result = {"events": n, "workload": "household.registered applied by scoring (PostgreSQL)"}
    with postgres_databases(postgres_url) as urls:
        settings = {f"{name.upper()}_DATABASE_URL": url for name, url in urls.items()}
        for replicas in (1, 2):
            extra = {"COCREATE_REPLICAS": "scoring=2,contributions=2"} if replicas == 2 else {}
            with started_stack(amqp_uri, **settings, **extra) as stack:
                result[f"per_s_{replicas}"] = one_run(stack, urls["scoring"], n)
            print(f"  replicas={replicas}: {result[f'per_s_{replicas}']:,.0f} events/s", flush=True)
    result["ratio"] = result["per_s_2"] / result["per_s_1"]
    return result


def describe(r: dict) -> str:
    return (f"{r['events']} events: one replica {r['per_s_1']:,.0f}/s, two {r['per_s_2']:,.0f}/s "
            f"(x{r['ratio']:.2f}) — {r['workload']}")


def main() -> dict:
    from bench.suite import BASE_AMQP, BASE_POSTGRES, own_vhost
    with own_vhost(BASE_AMQP) as uri:
        result = measure(uri, BASE_POSTGRES)
    print("replicas: " + describe(result), flush=True)
    return result


if __name__ == "__main__":
    main()
