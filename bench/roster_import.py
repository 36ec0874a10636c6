"""花名册 import of a county roster: time per phase and peak memory, by roster size.

Target: a 150,000-household county roster (one row per household, the village layout with a
title row, 组别, 身份证号, phone) imports in minutes (under 10), and memory grows far slower than
the file (streamed reading, batched writes). A re-import of the same file changes nothing.
Sizes from BENCH_ROSTER_SIZES (default "20000,150000"); each size runs in its own process so
peak memory (ru_maxrss) is that import's alone.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 600
SIZES = [int(s) for s in os.environ.get("BENCH_ROSTER_SIZES", "20000,150000").split(",") if s]


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


def one(households: int) -> dict:
    """Runs in a child process: generate, import, re-import; print a JSON line."""
    import resource

    from services.contributions import models, roster
    from services.kernel import spreadsheet
    from services.kernel import catalogue  # noqa: F401
    from services.kernel import db
    from services.kernel.clock import SystemClock

    os.environ.setdefault("COCREATE_PII_KEY", "YmVuY2gtb25seS1ub3QtYS1zZWNyZXQta2V5LTAwMDA=")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "county.xlsx"
        started = time.perf_counter()
        write_roster(path, households)
        generated = time.perf_counter() - started
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        engine = db.make_engine(f"sqlite:///{tmp}/bench.sqlite")
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
        started = time.perf_counter()
        with sessions() as session:
            again = roster.import_source(session, spreadsheet.Source.of_path(path), SystemClock(), None, options)
            session.commit()
        second = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({
            "households": households, "file_mb": round(path.stat().st_size / 1e6, 1),
            "generate_s": round(generated, 1), "import_s": round(first, 1), "import_cpu_s": round(cpu, 1),
            "phases_s": {k: round(v, 1) for k, v in phases.items()},
            "reimport_s": round(second, 1), "reimport_changed": again["changed"],
            "created_households": result["created"]["households"],
            "peak_rss_mb": round(rss / 1024, 1), "rss_before_import_mb": round(rss_before / 1024, 1),
        }, ensure_ascii=False), flush=True)


def main() -> dict:
    results = []
    for size in SIZES:
        out = subprocess.run([sys.executable, "-m", "bench.roster_import", str(size)], capture_output=True,
                             text=True, cwd=Path(__file__).resolve().parents[1])
        if out.returncode:
            raise RuntimeError(out.stderr[-2000:])
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        print(f"{size:>7} households ({result['file_mb']} MB): import {result['import_s']}s "
              f"(CPU {result.get('import_cpu_s')}s) "
              f"{result['phases_s']}, re-import {result['reimport_s']}s (changed: {result['reimport_changed']}), "
              f"peak RSS {result['peak_rss_mb']} MB", flush=True)
    ok = all(r["import_s"] < TARGET_SECONDS and not r["reimport_changed"]
             and r["created_households"] == r["households"] for r in results)
    print(f"target: each import under {TARGET_SECONDS}s and a re-import that changes nothing: "
          f"{'met' if ok else 'MISSED'}")
    return {"ok": ok, "results": results}


if __name__ == "__main__":
    if len(sys.argv) > 1:
        one(int(sys.argv[1]))
    else:
        main()
