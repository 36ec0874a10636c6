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


def measure(stack, rate: float | None = None, seconds: float | None = None) -> dict:
    import requests

    from tests.support.identity import issue
    rate = rate or float(os.environ.get("BENCH_INTERACTIVE_RATE", "50"))
    seconds = seconds or float(os.environ.get("BENCH_INTERACTIVE_SECONDS", "60"))
    village = f"bench-v-{uuid.uuid4().hex[:6]}"
    token = issue({"AMQP_URI": stack.amqp_uri}, "village_cadre", f"village:{village}")["token"]
    local = threading.local()

    def session():
        if not hasattr(local, "s"):
            local.s = requests.Session()
            local.s.headers["Authorization"] = f"Bearer {token}"
        return local.s

    def suggestion(n):
        return {"village_id": village, "hamlet_id": f"{village}-g1", "resident_id": f"r-{n}",
                "household_id": f"hh-{n}", "title": f"修路 {n}", "body": "村口的路需要修一修"}

    first = session().post(f"{stack.url}/api/suggestions", json=suggestion(0), timeout=60)
    if first.status_code != 201:
        raise RuntimeError(f"the interactive mix cannot write: {first.status_code} {first.text[:300]}")
    known = first.json()["id"]

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

    def timed(i, due):
        try:
            kind, answer = request(i)
            ok = answer.status_code < 400
            detail = f"{answer.status_code} {answer.text[:120]}"
        except Exception as exc:  # noqa: BLE001  counted, reported
            kind, ok, detail = "error", False, repr(exc)[:160]
        elapsed = (time.perf_counter() - due) * 1000
        with lock:
            if ok:
                latencies[kind].append(elapsed)
            else:
                errors.append(detail)

    total = int(rate * seconds)
    with ThreadPoolExecutor(max_workers=200) as pool:
        start = time.perf_counter() + 0.5
        for i in range(total):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(timed, i, due)
    every = [v for values in latencies.values() for v in values]
    result = {"rate": rate, "seconds": seconds, "requests": total, "errors": len(errors),
              "first_errors": sorted(set(errors))[:3],
              "p50_ms": _percentile(every, 50), "p95_ms": _percentile(every, 95), "p99_ms": _percentile(every, 99),
              "write_p99_ms": _percentile(latencies["write"], 99), "read_p99_ms": _percentile(latencies["read"], 99),
              "healthz_p99_ms": _percentile(latencies["health"], 99),
              "mean_ms": statistics.fmean(every) if every else None}
    return result


def describe(result: dict) -> str:
    def ms(v):
        return "-" if v is None else f"{v:.0f}"
    return (f"{result['requests']} requests at {result['rate']:.0f}/s over {result['seconds']:.0f}s: "
            f"p50 {ms(result['p50_ms'])} ms, p95 {ms(result['p95_ms'])} ms, p99 {ms(result['p99_ms'])} ms "
            f"(writes p99 {ms(result['write_p99_ms'])}, /healthz p99 {ms(result['healthz_p99_ms'])}); "
            f"{result['errors']} errors")


def main() -> dict:
    from bench.suite import alone
    return alone("interactive", measure, describe)


if __name__ == "__main__":
    main()
