"""花名册 import of a county roster: wall, CPU, peak memory and households/s, by size and database.

Target: a 150,000-household county roster (one row per household, the village layout with a
title row, 组别, 身份证号, phone, a totals row) imports in minutes (under 3) on SQLite and on
PostgreSQL, a re-import of the same file changes nothing, and memory is flat: the import's peak
RSS does not grow with the roster (within FLAT_MB from the smallest size to the largest; the
table says by how much when it does). Then the roster's
``households.registered`` batches are applied the way the four services that read them do
(identity, management, scoring, notifications: each one's own handler code on its own database,
in this process, without the broker) and timed: what a county file costs downstream.

    python -m bench roster_import        (make bench runs it with the others)

BENCH_ROSTER_SIZES (default "10000,50000,150000"), BENCH_ROSTER_BACKENDS (default
"sqlite,postgresql"; PostgreSQL from COCREATE_TEST_POSTGRES_URL, skipped when unset: a database
of its own is created and dropped), BENCH_ROSTER_CONSUMERS=0 to leave out the consumers. Each
import runs in its own process; its peak RSS is the process's VmHWM, reset just before the
import (so it is the import's own peak, not one inherited from the parent that wrote the file);
"growth" is that peak minus the RSS just before the import.
Run it alone: ``flock /tmp/bench.lock python -m bench roster_import`` on a shared machine.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

TARGET_SECONDS = 180
FLAT_MB = 5.0  # "flat": the largest roster's peak RSS at most this much above the smallest's
CONSUMERS = os.environ.get("BENCH_ROSTER_CONSUMERS", "1") != "0"
SIZES = [int(s) for s in os.environ.get("BENCH_ROSTER_SIZES", "10000,50000,150000").split(",") if s]
BACKENDS = [b for b in os.environ.get("BENCH_ROSTER_BACKENDS", "sqlite,postgresql").split(",") if b]
BENCH_KEY = "YmVuY2gtb25seS1ub3QtYS1zZWNyZXQta2V5LTAwMDA="  # a throwaway key for generated people


def write_roster(path: Path, households: int) -> None:
    """A big roster in openpyxl's streaming writer (the test builder keeps it all in memory)."""
    from openpyxl import Workbook

    from tests.support.rosters import HEADERS, county
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(["某县农户花名册"])
    sheet.append([])
    sheet.append(HEADERS)
    for index, h in enumerate(county(households, hamlets=40), start=1):
        sheet.append([index, h.hamlet, h.name, h.sex, h.id_number, h.size, h.party, h.category, h.phone, h.note])
    sheet.append(["合计", None, None, None, None, f"=SUM(F4:F{households + 3})"])
    book.save(path)


def _database(backend: str, tmp: str):
    """(url, drop): a fresh database for one run."""
    if backend == "sqlite":
        return f"sqlite:///{tmp}/bench.sqlite", lambda: None
    from sqlalchemy import text

    from services.kernel.db import make_engine
    base = os.environ["COCREATE_TEST_POSTGRES_URL"]
    name = f"bench_roster_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}", drop


def _consumers(url_of, batches: list[dict]) -> dict:
    """Apply the import's households.registered batches with each reading service's own code."""
    from services.identity import models as identity_models, places
    from services.kernel import db, events
    from services.management import linkage, models as management_models
    from services.notifications import board, models as notification_models
    from services.scoring import models as scoring_models, sources
    from services.kernel.clock import SystemClock

    now = SystemClock().now()
    handlers = {
        "identity": (identity_models, lambda s, data, _e: places.households_registered(s, data)),
        "management": (management_models, lambda s, data, _e: linkage.households_registered(s, now, data)),
        "scoring": (scoring_models, lambda s, data, _e: sources.households_registered(s, data, now)),
        "notifications": (notification_models, lambda s, _data, event: board.project(s, event, now)),
    }
    timings = {}
    for name, (models, handle) in handlers.items():
        engine = db.make_engine(url_of(name))
        models.Base.metadata.create_all(engine)
        db.create_all(engine)
        sessions = db.session_factory(engine)
        started = time.perf_counter()
        for data in batches:  # one transaction per event, as the handler's worker has
            event = events.parse_envelope(events.make_envelope("households.registered", data))
            with sessions() as session:
                handle(session, event.data, event)
                session.commit()
        timings[name] = round(time.perf_counter() - started, 1)
        engine.dispose()
    return timings


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _resident_kb() -> int:
    import resource
    return _status_kb("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> None:
    """The peak RSS from here on: Linux resets VmHWM when 5 is written to clear_refs. (ru_maxrss
    is no good for this: a child inherits its parent's peak across fork and exec, and the parent
    has just written a 150,000-row workbook.)"""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_kb() -> int:
    import resource
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def one(households: int, backend: str, path: Path) -> None:
    """Runs in a child process: import, re-import, the consumers; print a JSON line."""
    from sqlalchemy import select

    from services.contributions import models, roster
    from services.kernel import spreadsheet
    from services.kernel import catalogue  # noqa: F401
    from services.kernel import db
    from services.kernel.clock import SystemClock

    os.environ.setdefault("COCREATE_PII_KEY", BENCH_KEY)
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = _database(backend, tmp)
        try:
            engine = db.make_engine(url)
            models.Base.metadata.create_all(engine)
            db.create_all(engine)
            sessions = db.session_factory(engine)
            phases: dict[str, float] = {}
            last = {"phase": None, "at": time.perf_counter()}

            def progress(phase, _done, _total):
                now = time.perf_counter()
                if last["phase"] is not None:
                    phases[last["phase"]] = phases.get(last["phase"], 0) + now - last["at"]
                last.update(phase=phase, at=now)

            options = roster.Options("t-bench", "v-bench", "某镇", "某村")
            rss_before = _resident_kb()
            _reset_peak()
            cpu_started = time.process_time()
            started = time.perf_counter()
            last.update(phase="reading", at=started)
            with sessions() as session:
                result = roster.import_source(session, spreadsheet.Source.of_path(path), SystemClock(), None,
                                              options, progress)
                session.commit()
            progress("done", 0, 0)
            first = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            rss = _peak_kb()
            started = time.perf_counter()
            with sessions() as session:
                again = roster.import_source(session, spreadsheet.Source.of_path(path), SystemClock(), None, options)
                session.commit()
            second = time.perf_counter() - started
            with sessions() as session:
                batches = [json.loads(body)["data"] for body in session.scalars(
                    select(db.outbox_table.c.body).where(db.outbox_table.c.event_type == "households.registered"))]
            engine.dispose()
            announced = sum(len(b["households"]) for b in batches)
            if not CONSUMERS:
                consumers = {}
            elif backend == "sqlite":
                consumers = _consumers(lambda name: f"sqlite:///{tmp}/{name}.sqlite", batches)
            else:
                consumers = {}
                drops = []
                try:
                    def url_of(name):
                        consumer_url, consumer_drop = _database(backend, tmp)
                        drops.append(consumer_drop)
                        return consumer_url
                    consumers = _consumers(url_of, batches)
                finally:
                    for consumer_drop in drops:
                        consumer_drop()
        finally:
            drop()
    print(json.dumps({
        "households": households, "backend": backend, "file_mb": round(path.stat().st_size / 1e6, 1),
        "import_s": round(first, 1), "import_cpu_s": round(cpu, 1),
        "households_per_s": round(households / first), "phases_s": {k: round(v, 1) for k, v in phases.items()},
        "reimport_s": round(second, 1), "reimport_changed": again["changed"],
        "created_households": result["created"]["households"],
        "events": len(batches), "announced": announced, "consumers_s": consumers,
        "peak_rss_mb": round(rss / 1024, 1), "rss_growth_mb": round((rss - rss_before) / 1024, 1),
    }, ensure_ascii=False), flush=True)


def main() -> dict:
    backends = [b for b in BACKENDS if b == "sqlite" or os.environ.get("COCREATE_TEST_POSTGRES_URL")]
    skipped = sorted(set(BACKENDS) - set(backends))
    if skipped:
        print(f"skipped {', '.join(skipped)}: COCREATE_TEST_POSTGRES_URL is not set", flush=True)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start "
          "(a shared machine makes wall time longer than CPU time)", flush=True)
    print(f"{'households':>10} {'db':<10} {'wall s':>7} {'CPU s':>6} {'hh/s':>6} {'peak RSS MB':>11} "
          f"{'growth MB':>9} {'re-import s':>11}  consumers s (identity, management, scoring, notifications)",
          flush=True)
    results = []
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as files:
        for size in SIZES:
            path = Path(files) / f"county-{size}.xlsx"
            write_roster(path, size)
            for backend in backends:
                out = subprocess.run([sys.executable, "-m", "bench.roster_import", str(size), backend, str(path)],
                                     capture_output=True, text=True, cwd=root)
                if out.returncode:
                    raise RuntimeError(out.stderr[-2000:])
                r = json.loads(out.stdout.strip().splitlines()[-1])
                results.append(r)
                consumers = ", ".join(f"{v}" for v in r["consumers_s"].values())
                print(f"{size:>10} {backend:<10} {r['import_s']:>7} {r['import_cpu_s']:>6} "
                      f"{r['households_per_s']:>6} {r['peak_rss_mb']:>11} {r['rss_growth_mb']:>9} "
                      f"{r['reimport_s']:>11}  {consumers}  ({r['events']} events, "
                      f"re-import changed: {r['reimport_changed']})", flush=True)
    memory = flatness(results)
    for backend, m in memory.items():
        print(f"memory on {backend}: peak RSS {m['smallest_mb']} MB at {m['from']:,} households, "
              f"{m['largest_mb']} MB at {m['to']:,}: "
              + (f"flat ({m['growth_mb']:+.1f} MB)" if m["flat"] else
                 f"NOT flat: {m['growth_mb']:+.1f} MB, {m['kb_per_1000']} KB per 1,000 households "
                 f"(flat is within {FLAT_MB} MB)"), flush=True)
    ok = all(r["import_s"] < TARGET_SECONDS and not r["reimport_changed"]
             and r["created_households"] == r["households"] == r["announced"] for r in results) \
        and all(m["flat"] for m in memory.values())
    print(f"target: each import under {TARGET_SECONDS}s, every household announced, a re-import that "
          f"changes nothing, memory flat within {FLAT_MB} MB: {'met' if ok else 'MISSED'}")
    return {"ok": ok, "results": results, "memory": memory}


def flatness(results: list[dict]) -> dict:
    """Per database: the import's peak RSS at the smallest and the largest roster, and whether
    it grew by more than FLAT_MB between them."""
    memory = {}
    for backend in dict.fromkeys(r["backend"] for r in results):
        runs = sorted((r for r in results if r["backend"] == backend), key=lambda r: r["households"])
        if len(runs) < 2:
            continue
        small, large = runs[0], runs[-1]
        growth = round(large["peak_rss_mb"] - small["peak_rss_mb"], 1)
        per_1000 = round(growth * 1024 / ((large["households"] - small["households"]) / 1000), 1)
        memory[backend] = {"from": small["households"], "to": large["households"],
                           "smallest_mb": small["peak_rss_mb"], "largest_mb": large["peak_rss_mb"],
                           "growth_mb": growth, "kb_per_1000": per_1000, "flat": growth <= FLAT_MB,
                           "by_size": {r["households"]: r["peak_rss_mb"] for r in runs}}
    return memory


if __name__ == "__main__":
    if len(sys.argv) > 1:
        one(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "sqlite",
            Path(sys.argv[3]) if len(sys.argv) > 3 else None)
    else:
        main()
