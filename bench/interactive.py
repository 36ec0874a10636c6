"""Interactive latency through the gateway: a steady rate of mixed reads and writes.

Open loop: request *i* is due at ``start + i / rate`` and its latency counts from then, so a
gateway that falls behind shows it (no coordinated omission). The mix, for a village cadre with
an API token: 20% writes (a suggestion 我来提), 30% suggestion lists, 20% one suggestion, 20%
motion lists, 10% ``/healthz``.

    python -m bench interactive     (on a stack of its own; BENCH_INTERACTIVE_RATE, _SECONDS)
"""
from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor


def _percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


HOUSEHOLDS = 50


def roster(stack, village: str) -> None:
    """The bench's village on the roster (a suggestion names a resident and household on it)."""
    import tempfile
    from pathlib import Path

    from bench.quarter import HEADER
    with tempfile.TemporaryDirectory(prefix="bench-interactive-") as tmp:
        path = Path(tmp) / "roster.csv"
        path.write_text(HEADER + "".join(
            f"bench-t,镇,{village},测试村,{village}-g1,一组,{village}-h{h},,{village}-r{h},户主{h},户主,否,,否\n"
            for h in range(HOUSEHOLDS)), encoding="utf-8")
        imported = stack.cocreate("roster", "import", str(path), "--quiet", timeout=600)
    if imported.returncode != 0:
        raise RuntimeError(f"the interactive mix's roster import failed: {imported.stderr[-1000:]}")


def measure(stack, rate: float | None = None, seconds: float | None = None) -> dict:
    return prepare(stack)(rate, seconds)


def prepare(stack):
    """The mix's village on the roster and a first suggestion filed; returns ``run(rate, seconds)``
    (so a caller can set up before, and time only, the window it wants: a quarter flowing)."""
    import requests

    from tests.support.identity import issue
    village = f"bench-v-{uuid.uuid4().hex[:6]}"
    roster(stack, village)
    token = issue({"AMQP_URI": stack.amqp_uri}, "village_cadre", f"village:{village}")["token"]
    local = threading.local()

    def session():
        if not hasattr(local, "s"):
            local.s = requests.Session()
            local.s.headers["Authorization"] = f"Bearer {token}"
        return local.s

    def suggestion(n):
        h = n % HOUSEHOLDS
        return {"village_id": village, "hamlet_id": f"{village}-g1", "resident_id": f"{village}-r{h}",
                "household_id": f"{village}-h{h}", "title": f"修路 {n}", "body": "村口的路需要修一修"}

    deadline = time.monotonic() + 300
    while True:  # the roster's events reach proposals a moment after the import
        first = session().post(f"{stack.url}/api/suggestions", json=suggestion(0), timeout=60)
        if first.status_code == 201:
            break
        if first.status_code != 400 or time.monotonic() > deadline:
            raise RuntimeError(f"the interactive mix cannot write: {first.status_code} {first.text[:300]}")
        time.sleep(1)
    known = first.json()["id"]
    return lambda rate=None, seconds=None, flowing=None: _run(stack, session, suggestion, village, known,
                                                              rate, seconds, flowing)


def _run(stack, session, suggestion, village, known, rate, seconds, flowing=None) -> dict:
    """``flowing``: an Event set while something else loads the stack (a quarter); then only the
    requests due while it was set count, and ``counted`` says how many they were."""
    rate = rate or float(os.environ.get("BENCH_INTERACTIVE_RATE", "50"))
    seconds = seconds or float(os.environ.get("BENCH_INTERACTIVE_SECONDS", "60"))

    def request(i):
        kind = i % 10
        s = session()
        if kind < 2:
            return "write", s.post(f"{stack.url}/api/suggestions", json=suggestion(i), timeout=60)
        if kind < 5:
            return "read", s.get(f"{stack.url}/api/suggestions", params={"village_id": village}, timeout=60)
        if kind < 7:
            return "read", s.get(f"{stack.url}/api/suggestions/{known}", timeout=60)
        if kind < 9:
            return "read", s.get(f"{stack.url}/api/motions", params={"village_id": village}, timeout=60)
        return "health", s.get(f"{stack.url}/healthz", timeout=60)

    latencies = {"read": [], "write": [], "health": []}
    errors: list[str] = []
    lock = threading.Lock()

    def timed(i, due, counts):
        try:
            kind, answer = request(i)
            ok = answer.status_code < 400
            detail = f"{answer.status_code} {answer.text[:120]}"
        except Exception as exc:  # noqa: BLE001  counted, reported
            kind, ok, detail = "error", False, repr(exc)[:160]
        elapsed = (time.perf_counter() - due) * 1000
        if not counts:
            return
        with lock:
            if ok:
                latencies[kind].append(elapsed)
            else:
                errors.append(detail)

    total = int(rate * seconds)
    started_at = time.time()
    with ThreadPoolExecutor(max_workers=200) as pool:
        start = time.perf_counter() + 0.5
        for i in range(total):
            if flowing is not None and not flowing.is_set():
                total = i  # the quarter is over: what follows would measure a quiet stack
                break
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(timed, i, due, flowing is None or flowing.is_set())
    every = [v for values in latencies.values() for v in values]
    counted = len(every) + len(errors)
    result = {"rate": rate, "seconds": seconds, "requests": total, "counted": counted, "errors": len(errors),
              "first_errors": sorted(set(errors))[:3],
              "p50_ms": _percentile(every, 50), "p95_ms": _percentile(every, 95), "p99_ms": _percentile(every, 99),
              "write_p99_ms": _percentile(latencies["write"], 99), "read_p99_ms": _percentile(latencies["read"], 99),
              "healthz_p99_ms": _percentile(latencies["health"], 99),
              "mean_ms": statistics.fmean(every) if every else None,
              "started_at": started_at, "ended_at": time.time()}
    return result


def describe(result: dict) -> str:
    def ms(v):
        return "-" if v is None else f"{v:.0f}"
    return (f"{result['requests']} requests at {result['rate']:.0f}/s over {result['seconds']:.0f}s: "
            f"p50 {ms(result['p50_ms'])} ms, p95 {ms(result['p95_ms'])} ms, p99 {ms(result['p99_ms'])} ms "
            f"(writes p99 {ms(result['write_p99_ms'])}, /healthz p99 {ms(result['healthz_p99_ms'])}); "
            f"{result['errors']} errors"
            + (f"; {result['counted']} counted, due while the quarter flowed" if result.get("counted", result["requests"])
               != result["requests"] else ""))


def during_quarter(scale: float | None = None, rate: float | None = None, seconds: float | None = None) -> dict:
    """The mix on a quarter's stack (SQLite) while the quarter flows (``bench/quarter.py``)."""
    from bench import quarter
    scale = float(os.environ.get("BENCH_QUARTER_SCALE", "0.05")) if scale is None else scale
    result: dict = {}

    def during(stack):
        go = prepare(stack)
        return lambda flowing: result.update(go(rate, seconds, flowing))

    records, took = quarter.run(scale, None, during=during)
    result["quarter"] = {"scale": scale, "records": records, "seconds": round(took, 1)}
    return result


def main() -> dict:
    from bench.suite import alone
    return alone("interactive", measure, describe)


if __name__ == "__main__":
    main()
