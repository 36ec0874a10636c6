"""``make bench``: the platform measured against the bare broker, in one table.

Runs on this machine's RabbitMQ and PostgreSQL (``COCREATE_TEST_AMQP_URI``,
``COCREATE_TEST_POSTGRES_URL``), against the services as ``make run`` starts them (one process
per Procfile line under supervisord, ``tests/support/stack.py``), each run on a vhost, data
directory and databases of its own:

- **bare broker** (``bench/bare_broker.py``): kombu publishing, then consuming, N persistent
  1 KB messages — the reference;
- **quarter** (``bench/quarter.py``, the batch paths' workload): a generated county through
  the services, on SQLite and on PostgreSQL. The hook: ``run(scale, postgres_url) -> (records,
  seconds)``; with ``during``, the interactive mix is set up on the quarter's SQLite stack and
  runs while the quarter flows, counting the requests due until its last effect shows
  (``interactive_p99_during_quarter_ms``; alone: ``python -m bench interactive_quarter``);
- **interactive** (``bench/interactive.py``): p50/p95/p99 of a read/write mix through the
  gateway at a steady 50 requests/s for 60 s;
- **rules** (``bench/rules_service.py``): decisions/s as the services take them (the in-process
  policy client) and through the rules service (``decide``, ``decide_many``) against bare
  durable_rules on the same facts; the rules service's RSS before and after a million
  decisions, and the in-process client's own;
- **replicas** (``bench/replicas.py``): one and two replicas of scoring and contributions on
  PostgreSQL;
- **roster** (``bench/roster_import.py``): a county 花名册 imported (and re-imported) at
  10k/50k/150k households on SQLite and PostgreSQL: seconds and peak RSS per size, and how
  far memory is from flat.

It prints the table, writes ``bench/results/latest.json`` and ``bench/results/latest.svg``, and
says for each target how far it is. A missed target is reported, not failed; an error (a stack
that does not start, a workload that raises) fails ``make bench`` after the other parts ran.
``BENCH_PARTS=bare,interactive,rules,quarter,replicas,roster`` picks parts; ``BENCH_QUARTER_SCALE``
sizes the county (1 = 150,000 households). Run it under ``flock /tmp/bench.lock``.
"""
from __future__ import annotations

import contextlib
import inspect
import json
import os
import subprocess
import tempfile
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BASE_AMQP = os.environ.get("COCREATE_TEST_AMQP_URI") or "amqp://guest:guest@127.0.0.1:5672/"
BASE_POSTGRES = os.environ.get("COCREATE_TEST_POSTGRES_URL") or "postgresql+pg8000://postgres@127.0.0.1:5432/test"
PARTS = ("bare", "quarter", "interactive", "rules", "replicas", "roster")


def machine() -> str:
    """The cores and the load when the run starts: on a shared machine the figures are lower bounds."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return f"{os.cpu_count()} cores"
    shared = ("; other work was running, so the figures are lower bounds" if load > 1.0
              else "; idle at the start")
    return f"{os.cpu_count()} cores, load average {load:.1f} at the start{shared}"


# (key, label, unit, target, "max" (at most) or "min" (at least))
TARGETS = [
    ("quarter_seconds", "quarter, time to last effect", "s", 120, "max"),
    ("quarter_seconds_postgresql", "quarter on PostgreSQL, time to last effect", "s", 120, "max"),
    ("ratio_to_bare", "quarter records/s ÷ bare msgs/s", "x", 1.0, "min"),
    ("interactive_p99_ms", "interactive p99 at 50 req/s", "ms", 500, "max"),
    ("interactive_p99_during_quarter_ms", "interactive p99, a quarter flowing", "ms", 500, "max"),
    ("rules_ratio_to_bare", "policy decisions (in-process) ÷ bare durable_rules", "x", 0.5, "min"),
    ("rules_rss_growth_mb", "rules service RSS growth over the run", "MB", 5, "max"),
    ("roster_seconds_sqlite", "roster import, largest county (SQLite)", "s", 180, "max"),
    ("roster_seconds_postgresql", "roster import, largest county (PostgreSQL)", "s", 180, "max"),
    ("roster_rss_growth_mb", "roster import peak RSS, largest - smallest", "MB", 5, "max"),
]


# -- the pieces every part uses ------------------------------------------------------------------

@contextlib.contextmanager
def own_vhost(base: str = BASE_AMQP):
    from tests.support.infra import VhostManager
    vhosts = VhostManager(base)
    uri = vhosts.create()
    try:
        yield uri
    finally:
        vhosts.delete(uri)


@contextlib.contextmanager
def started_stack(amqp_uri: str, **settings):
    """The services as ``make run`` starts them, on ``amqp_uri`` and a data directory of their own."""
    from tests.support import stack as stacks
    settings = {"RATE_LIMIT_ANONYMOUS": "1000000/minute", "RATE_LIMIT_IDENTIFIED": "1000000/minute",
                "GATEWAY_RPC_TIMEOUT": 60, "LOG_LEVEL": "WARNING", **settings}
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as home:
        stack = stacks.start(amqp_uri, Path(home), **settings)
        try:
            yield stack
        finally:
            stack.stop()


@contextlib.contextmanager
def sqlite_stack(**settings):
    with own_vhost() as uri, started_stack(uri, **settings) as stack:
        yield stack


def alone(label: str, measure, describe) -> dict:
    """One part on a SQLite stack of its own (``python -m bench interactive``)."""
    with sqlite_stack() as stack:
        result = measure(stack)
    print(f"{label}: {describe(result)}", flush=True)
    return result


@contextlib.contextmanager
def postgres_databases(server_url: str = BASE_POSTGRES):
    """A fresh database per service on the PostgreSQL server; ``{service: url}``; dropped after."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from services.kernel.config import ROOT as REPO
    from services.kernel.db import make_engine, normalise_url
    services = sorted(p.parent.name for p in (REPO / "services").glob("*/migrations"))
    tag = uuid.uuid4().hex[:8]
    urls = {s: make_url(normalise_url(server_url)).set(database=f"bench_{s}_{tag}")
            .render_as_string(hide_password=False) for s in services}
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for url in urls.values():
                conn.execute(text(f'CREATE DATABASE "{make_url(url).database}"'))
        yield urls
    finally:
        with admin.connect() as conn:
            for url in urls.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


# -- the parts -----------------------------------------------------------------------------------

def part_bare(results: dict) -> None:
    from bench import bare_broker
    with own_vhost() as uri:
        bare = bare_broker.measure(uri)
    results["bare"] = bare
    results["bare_msgs_per_s"] = round(bare["bare_msgs_per_s"], 1)


def part_interactive(results: dict, stack=None) -> None:
    from bench import interactive
    if stack is None:
        with sqlite_stack() as stack:
            return part_interactive(results, stack)
    idle = interactive.measure(stack)
    results["interactive"] = idle
    results["interactive_p99_ms"] = round(idle["p99_ms"], 1) if idle["p99_ms"] is not None else None


def part_rules(results: dict, stack=None) -> None:
    from bench import rules_service
    if stack is None:
        with sqlite_stack() as stack:
            return part_rules(results, stack)
    rules = rules_service.measure(stack)
    results["rules"] = rules
    results["rules_ratio_to_bare"] = round(rules["ratio_to_bare"], 4)
    results["rules_rss_growth_mb"] = round(rules["rss_growth_mb"], 1)
    results["rules_service_ratio_to_bare"] = round(rules["service_ratio_to_bare"], 4)
    local = rules.get("in_process_memory") or {}
    results["rules_client_rss_growth_mb"] = round(local["rss_growth_mb"], 1) if "rss_growth_mb" in local else None
    if rules["memory_decisions"] < rules["memory_decisions_wanted"]:
        results["reasons"]["rules_rss_growth_mb"] = (
            f"measured over {rules['memory_decisions']:,} decisions, not "
            f"{rules['memory_decisions_wanted']:,}: the time cap (BENCH_RULES_MEMORY_SECONDS) came first")


def part_quarter(results: dict) -> None:
    try:
        from bench import quarter
    except ImportError:
        for key in ("quarter_records_per_s", "quarter_seconds", "ratio_to_bare"):
            results[key] = None
            results["reasons"][key] = "bench/quarter.py (the batch paths' workload, issue 18 item 1) is not in this tree yet"
        return
    from bench import interactive
    scale = float(os.environ.get("BENCH_QUARTER_SCALE", "1"))
    takes_during = "during" in inspect.signature(quarter.run).parameters
    results["quarter"] = {"scale": scale}
    for database, url in (("sqlite", None), ("postgresql", BASE_POSTGRES)):
        during: dict = {}

        def measure_during(stack, into=during):  # set up before the timed commands, run while they flow
            go = interactive.prepare(stack)
            return lambda flowing: into.update(go(None, None, flowing))

        kwargs = {"during": measure_during} if takes_during and database == "sqlite" else {}
        records, seconds = quarter.run(scale, url, **kwargs)
        results["quarter"][database] = {"records": records, "seconds": round(seconds, 1),
                                        "records_per_s": round(records / seconds, 1)}
        if during:
            results["quarter"]["interactive_during"] = during
            results["interactive_p99_during_quarter_ms"] = (round(during["p99_ms"], 1)
                                                           if during.get("p99_ms") is not None else None)
    sqlite = results["quarter"]["sqlite"]
    results["quarter_records_per_s"] = sqlite["records_per_s"]
    results["quarter_seconds"] = sqlite["seconds"]
    results["quarter_seconds_postgresql"] = results["quarter"]["postgresql"]["seconds"]
    if scale != 1:
        for key in ("quarter_seconds", "quarter_seconds_postgresql"):
            results["reasons"][key] = (f"a county at scale {scale} (BENCH_QUARTER_SCALE); "
                                       "the 2-minute target is for scale 1")
    if results.get("bare_msgs_per_s"):
        results["ratio_to_bare"] = round(sqlite["records_per_s"] / results["bare_msgs_per_s"], 3)
    if not takes_during:
        results["reasons"]["interactive_p99_during_quarter_ms"] = "bench/quarter.py's run() takes no `during` hook"


def part_replicas(results: dict) -> None:
    from bench import replicas
    with own_vhost() as uri:
        results["replicas"] = replicas.measure(uri, BASE_POSTGRES)
    results["replicas_ratio"] = round(results["replicas"]["ratio"], 2)


def part_roster(results: dict) -> None:
    from bench import roster_import
    roster = results["roster"] = roster_import.main()
    for backend in ("sqlite", "postgresql"):
        runs = [r for r in roster["results"] if r["backend"] == backend]
        if runs:
            results[f"roster_seconds_{backend}"] = max(runs, key=lambda r: r["households"])["import_s"]
        else:
            results["reasons"][f"roster_seconds_{backend}"] = f"{backend} not run"
    if roster["memory"]:
        results["roster_rss_growth_mb"] = max(m["growth_mb"] for m in roster["memory"].values())


def _roster_line(results: dict, field: str) -> str | None:
    """``10,000: 4.0 / 5.1 · 50,000: …`` (SQLite / PostgreSQL) for one field of the roster runs."""
    runs = (results.get("roster") or {}).get("results") or []
    if not runs:
        return None
    sizes = sorted({r["households"] for r in runs})
    value = {(r["households"], r["backend"]): r[field] for r in runs}
    return " · ".join(f"{n:,}: " + " / ".join(str(value.get((n, b), "-")) for b in ("sqlite", "postgresql"))
                      for n in sizes)


# -- the table -----------------------------------------------------------------------------------

def verdicts(results: dict) -> list[dict]:
    rows = []
    for key, label, unit, target, sense in TARGETS:
        value = results.get(key)
        if value is None:
            rows.append({"key": key, "label": label, "value": None, "target": target, "sense": sense,
                         "met": None, "how_far": results["reasons"].get(key, "not measured")})
            continue
        met = value <= target if sense == "max" else value >= target
        if met:
            how_far = "met"
        elif sense == "max":
            how_far = f"{value / target:.1f}x the limit ({value - target:+.1f} {unit})"
        else:
            how_far = f"needs {target / value:.1f}x more" if value else "nothing measured"
        rows.append({"key": key, "label": label, "value": value, "unit": unit, "target": target,
                     "sense": sense, "met": met, "how_far": how_far})
    return rows


def table(results: dict) -> str:
    def fmt(v, unit=""):
        if v is None:
            return "-"
        return f"{v:,.3f}" if isinstance(v, float) and abs(v) < 10 else f"{v:,.0f}"
    lines = ["", f"make bench — {results['finished_at']} — machine: {results['machine']}", ""]
    measured = [
        ("bare broker msgs/s (publish then consume+ack)", results.get("bare_msgs_per_s")),
        ("quarter records/s (SQLite)", results.get("quarter_records_per_s")),
        ("quarter seconds (SQLite)", results.get("quarter_seconds")),
        ("quarter records/s (PostgreSQL)", (results.get("quarter") or {}).get("postgresql", {}).get("records_per_s")),
        ("interactive p50 / p95 / p99 ms (idle)", None if not results.get("interactive") else
         " / ".join(fmt(results["interactive"][k]) for k in ("p50_ms", "p95_ms", "p99_ms"))),
        ("interactive p50 / p95 / p99 ms while a quarter flows",
         None if not (results.get("quarter") or {}).get("interactive_during") else
         " / ".join(fmt(results["quarter"]["interactive_during"][k]) for k in ("p50_ms", "p95_ms", "p99_ms"))),
        ("rules decisions/s: bare / in-process / decide / decide_many", None if not results.get("rules") else
         f"{fmt(results['rules']['bare_per_s'])} / {fmt(results['rules'].get('in_process_per_s'))} / "
         f"{fmt(results['rules']['single_per_s'])} / {fmt(results['rules'].get('batch_per_s'))}"),
        ("rules service RSS MB before -> after (decisions)", None if not results.get("rules") else
         f"{results['rules']['rss_before_mb']:.1f} -> {results['rules']['rss_after_mb']:.1f} "
         f"({results['rules']['memory_decisions']:,})"),
        ("in-process client RSS MB before -> after (decisions)",
         None if "decisions" not in ((results.get("rules") or {}).get("in_process_memory") or {}) else
         "{rss_before_mb:.1f} -> {rss_after_mb:.1f} ({decisions:,})".format(**results["rules"]["in_process_memory"])),
        ("replicas events/s: 1 -> 2 (ratio)", None if not results.get("replicas") else
         f"{fmt(results['replicas']['per_s_1'])} -> {fmt(results['replicas']['per_s_2'])} "
         f"(x{results['replicas']['ratio']:.2f})"),
        ("roster import s by households (SQLite / PostgreSQL)", _roster_line(results, "import_s")),
        ("roster re-import s (SQLite / PostgreSQL)", _roster_line(results, "reimport_s")),
        ("roster import peak RSS MB (SQLite / PostgreSQL)", _roster_line(results, "peak_rss_mb")),
    ]
    width = max(len(label) for label, _ in measured)
    lines += [f"  {label:<{width}}  {value if isinstance(value, str) else fmt(value)}" for label, value in measured]
    lines += ["", "  target".ljust(width + 4) + "value       target      how far"]
    for row in results["targets"]:
        mark = {True: "ok  ", False: "MISS", None: "n/a "}[row["met"]]
        target = ("<= " if row["sense"] == "max" else ">= ") + fmt(row["target"])
        lines.append(f"  {mark} {row['label']:<{width - 5}} {fmt(row['value']):<11} {target:<11} {row['how_far']}")
    if results["errors"]:
        lines += ["", "  ERRORS:"] + [f"  - {part}: {error.splitlines()[-1]}" for part, error in results["errors"].items()]
    return "\n".join(lines) + "\n"


def chart(results: dict, path: Path) -> None:
    import pygal
    from pygal.style import CleanStyle

    bar = pygal.HorizontalBar(style=CleanStyle, width=900, height=420, range=(0, 2), x_title="share of target (1 = target met)",
                              title="make bench: how far each target is (capped at 2)", legend_at_bottom=True)
    for row in results["targets"]:
        if row["value"] is None:
            continue
        share = (row["target"] / row["value"] if row["value"] else 2.0) if row["sense"] == "max" else row["value"] / row["target"]
        bar.add(f"{row['label']} ({row['how_far']})", [min(share, 2.0)])
    path.write_text(bar.render(is_unicode=True), encoding="utf-8")


def _commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip() or None
    except Exception:  # noqa: BLE001
        return None


def main(parts=None) -> int:
    wanted = [p for p in (parts or os.environ.get("BENCH_PARTS", ",".join(PARTS)).split(",")) if p]
    unknown = set(wanted) - set(PARTS)
    if unknown:
        raise SystemExit(f"BENCH_PARTS: unknown {sorted(unknown)}; parts are {', '.join(PARTS)}")
    results: dict = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     "commit": _commit(), "machine": machine(), "parts": wanted, "reasons": {}, "errors": {},
                     "timings_s": {}}
    for key, *_ in TARGETS:
        results.setdefault(key, None)
    results.setdefault("bare_msgs_per_s", None)
    results.setdefault("quarter_records_per_s", None)

    def run(name, fn, *args):
        print(f"== {name} ==", flush=True)
        started = time.monotonic()
        try:
            fn(results, *args)
        except Exception:  # noqa: BLE001  the other parts still run; make bench fails at the end
            results["errors"][name] = traceback.format_exc()
            print(results["errors"][name], flush=True)
        results["timings_s"][name] = round(time.monotonic() - started, 1)
        print(f"   ({results['timings_s'][name]}s)", flush=True)

    if "bare" in wanted:
        run("bare", part_bare)
    if "quarter" in wanted:
        run("quarter", part_quarter)
    if "interactive" in wanted or "rules" in wanted:
        def on_one_stack(results):
            with sqlite_stack() as stack:
                if "interactive" in wanted:
                    run("interactive", part_interactive, stack)
                if "rules" in wanted:
                    run("rules", part_rules, stack)
        run("stack (SQLite)", on_one_stack)
    if "replicas" in wanted:
        run("replicas", part_replicas)
    if "roster" in wanted:
        run("roster", part_roster)

    results["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results["targets"] = verdicts(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n",
                                         encoding="utf-8")
    chart(results, RESULTS / "latest.svg")
    print(table(results), flush=True)
    print(f"written: {RESULTS / 'latest.json'}, {RESULTS / 'latest.svg'}", flush=True)
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
