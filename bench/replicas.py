"""Competing consumers on the quarter's workload: the county's rating sheets and contribution
batches (``bench/quarter.py``) on PostgreSQL (each service a database of its own), once with
one process of scoring and contributions and once with two of each
(``COCREATE_REPLICAS=scoring=2,contributions=2``), timed the same way (first command to last
effect visible through the API), with the machine's CPU use over each timed window
(``bench/cpu.py``): on this 2-core machine a ratio near 1 with the CPU near 100% busy means the
replicas had no idle core to run on, not that they do not scale.

Each run is also checked for what replicas could break: every rating and labour entry has
exactly one points entry (no event applied twice by two replicas), every points account equals
its ledger, every quarter total equals its entries, the contributions ledger holds each batch
entry once, and no outbox row is left unpublished.

    python -m bench replicas [--scale 0.1]   (else BENCH_REPLICAS_SCALE, BENCH_QUARTER_SCALE; default 0.1)
    python -m bench.quarter --postgres --replicas 2 --scale 0.1      (one run)
"""
from __future__ import annotations

import json
import os

SERVICES = ("scoring", "contributions")


def _scalar(url: str, sql: str, **params):
    from sqlalchemy import text

    from services.kernel.db import make_engine
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


def verify(databases: dict, commands) -> dict:
    """What replicas must not break, read from the services' databases after the run."""
    from bench.quarter import QUARTER
    sheets = [row for _s, m, p in commands if m == "rate_sheet" for row in p["ratings"]]
    ratings, starred = len(sheets), sum(1 for row in sheets if row["stars"])  # 0 stars earn no entry
    labour = sum(len(p["entries"]) for _s, m, p in commands if m == "record_batch" and p["kind"] == "labour")
    entries = sum(len(p["entries"]) for _s, m, p in commands if m == "record_batch")
    scoring, contributions = databases["scoring"], databases["contributions"]
    found = {
        "ratings": _scalar(scoring, "SELECT count(*) FROM scoring_ratings WHERE quarter = :quarter", quarter=QUARTER),
        "rating_entries": _scalar(scoring, "SELECT count(*) FROM scoring_entries WHERE source = 'rating'"),
        "labour_entries": _scalar(scoring, "SELECT count(*) FROM scoring_entries WHERE source = 'labour'"),
        "ledger_entries": _scalar(contributions, "SELECT count(*) FROM ledger_entry WHERE recorded_by = 'bench'"),
        "accounts_off_their_ledger": _scalar(scoring, """
            SELECT count(*) FROM scoring_accounts a LEFT JOIN (
              SELECT household_id,
                     sum(CASE WHEN counts_spendable THEN points ELSE 0 END) AS spendable,
                     sum(CASE WHEN counts_honour THEN points ELSE 0 END) AS honour
              FROM scoring_entries WHERE status = 'approved' GROUP BY household_id) e
            ON e.household_id = a.household_id
            WHERE a.spendable <> coalesce(e.spendable, 0) OR a.honour <> coalesce(e.honour, 0)"""),
        "quarter_totals_off_their_entries": _scalar(scoring, """
            SELECT count(*) FROM scoring_period_points p LEFT JOIN (
              SELECT household_id, sum(points) AS points FROM scoring_entries
              WHERE status = 'approved' AND quarter = :quarter GROUP BY household_id) e
            ON e.household_id = p.household_id
            WHERE p.period = :quarter AND p.points <> coalesce(e.points, 0)""", quarter=QUARTER),
        "unpublished_outbox_rows": sum(_scalar(databases[s], "SELECT count(*) FROM kernel_outbox "
                                                             "WHERE published_at IS NULL") for s in SERVICES),
    }
    expected = {"ratings": ratings, "rating_entries": starred, "labour_entries": labour, "ledger_entries": entries,
                "accounts_off_their_ledger": 0, "quarter_totals_off_their_entries": 0,
                "unpublished_outbox_rows": 0}
    problems = {k: {"found": found[k], "expected": v} for k, v in expected.items() if found[k] != v}
    return {"ok": not problems, "found": found, "problems": problems}


def quarter_once(replicas: int, scale: float | None = None, postgres_url: str | None = None) -> dict:
    """One quarter on PostgreSQL with ``replicas`` processes of scoring and contributions."""
    from bench import quarter
    from bench.suite import BASE_POSTGRES
    scale = float(os.environ.get("BENCH_REPLICAS_SCALE") or os.environ.get("BENCH_QUARTER_SCALE") or 0.1) \
        if scale is None else scale
    extra = {"COCREATE_REPLICAS": ",".join(f"{s}={replicas}" for s in SERVICES)} if replicas > 1 else {}
    stats: dict = {}
    records, seconds = quarter.run(scale, postgres_url or BASE_POSTGRES, extra_settings=extra, stats=stats,
                                   verify=verify, settle=True)
    return {"replicas": replicas, "scale": scale, "quarter_records": records,
            "quarter_seconds": round(seconds, 1), "quarter_records_per_s": round(records / seconds, 1),
            "cpu": stats.get("cpu"), "verified": stats.get("verified")}


def measure(amqp_uri: str | None = None, postgres_url: str | None = None, scale: float | None = None) -> dict:
    """One replica, then two; ``ratio`` = records/s with two ÷ with one. (Each quarter runs on a
    vhost and databases of its own; ``amqp_uri`` is kept for ``make bench``'s call.)"""
    from bench import cpu
    result = {"workload": "the quarter (rating sheets + contribution batches) on PostgreSQL",
              "cores": os.cpu_count()}
    for replicas in (1, 2):
        run = quarter_once(replicas, scale, postgres_url)
        result[f"run_{replicas}"] = run
        result[f"per_s_{replicas}"] = run["quarter_records_per_s"]
        print(f"  replicas={replicas}: {run['quarter_records']} records in {run['quarter_seconds']}s "
              f"({run['quarter_records_per_s']:,.0f}/s); {cpu.describe(run['cpu'] or {})}; "
              f"checks {'ok' if run['verified']['ok'] else run['verified']['problems']}", flush=True)
    result["scale"] = result["run_1"]["scale"]
    result["events"] = result["run_1"]["quarter_records"]
    result["ratio"] = result["per_s_2"] / result["per_s_1"]
    result["correct"] = all(result[f"run_{n}"]["verified"]["ok"] for n in (1, 2))
    return result


def describe(r: dict) -> str:
    busy = [f"{(r[f'run_{n}'].get('cpu') or {}).get('busy_pct', 0):.0f}%" for n in (1, 2)]
    stack = [f"{(r[f'run_{n}'].get('cpu') or {}).get('stack_pct', 0):.0f}%" for n in (1, 2)]
    return (f"quarter at scale {r['scale']} ({r['events']} records) on PostgreSQL: one replica "
            f"{r['per_s_1']:,.0f}/s, two {r['per_s_2']:,.0f}/s (x{r['ratio']:.2f}); CPU busy "
            f"{busy[0]} / {busy[1]} of {r['cores']} cores, to the stack {stack[0]} / {stack[1]}; "
            f"{'no event applied twice, balances equal their ledgers' if r['correct'] else 'CHECKS FAILED'}")


def main(argv=None) -> dict:
    import argparse

    from bench.suite import BASE_POSTGRES
    parser = argparse.ArgumentParser(prog="python -m bench replicas")
    parser.add_argument("--scale", type=float, default=None, help="county size (1 = 150,000 households)")
    args = parser.parse_args(argv if argv is not None else [])
    result = measure(None, BASE_POSTGRES, args.scale)
    print("replicas: " + describe(result), flush=True)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


if __name__ == "__main__":
    main()
