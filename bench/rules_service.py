"""Policy decisions as the services take them, against bare durable_rules on the same facts;
and memory over a million decisions.

- **bare**: the rule files decided in this process by the engine alone (``PolicyBook``, no
  broker, no log) — the reference;
- **in-process client**: what every service's policy port does now
  (``services.kernel.policy_client.LocalRules``, loaded from the running rules service's
  ``published_rules``): the same engine, plus the RPC-shaped copies of facts and answers, the
  log record of each decision and the ``policy.decisions_logged`` events they travel in
  (built and validated against the catalogue, 500 decisions an event, as at a commit);
- **through the service**: ``decide`` over RPC from 8 callers, and ``decide_many`` (500 facts a
  call, every decision logged by the rules service in one insert).

``rules_ratio_to_bare`` is the in-process client's (the path the services use); the RPC paths'
ratios are in the JSON beside it. Memory: the rules service's resident set before and after
``BENCH_RULES_DECISIONS`` (1,000,000) decisions through ``decide_many``, and — in a child
process at the same time — the in-process client's own resident set over as many decisions.

    python -m bench rules_service   (BENCH_RULES_SECONDS per path; BENCH_RULES_DECISIONS,
                                     BENCH_RULES_MEMORY_SECONDS cap the memory runs)
"""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
import time

from bench.rules_memory import FACTS

BATCH = 500


def rss_mb(pid: int | None = None) -> float:
    with open(f"/proc/{pid or 'self'}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def _facts(i):
    area, make = FACTS[i % len(FACTS)]
    return area, make(i)


def bare(seconds: float) -> float:
    from services.rules.engine import PolicyBook
    book = PolicyBook()
    for i in range(500):
        book.decide(*_facts(i))
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(200):
            book.decide(*_facts(done))
            done += 1
    return done / (time.perf_counter() - started)


# -- the in-process client ---------------------------------------------------------------------

def local_client(published: dict):
    from services.kernel.policy_client import LocalRules
    local = LocalRules(lambda known: published)
    local.refresh()
    return local


def in_process(published: dict, seconds: float | None = None, limit: int | None = None,
               on_progress=None) -> tuple[int, float]:
    """(decisions, seconds) of the in-process client, its log events built as at a commit."""
    from services.kernel import events
    from services.kernel.policy_client import LOG_EVENT, log_events
    local = local_client(published)
    for i in range(500):
        local.decide(*_facts(i))
    done, records, started = 0, [], time.perf_counter()
    while (seconds is None or time.perf_counter() - started < seconds) and (limit is None or done < limit):
        for _ in range(100):
            _decision, record = local.decide(*_facts(done))
            records.append(record)
            done += 1
        if len(records) >= BATCH:
            for data, subject in log_events("bench", records):
                events.make_envelope(LOG_EVENT, data, subject)
            records = []
            if on_progress:
                on_progress(done)
    return done, time.perf_counter() - started


def local_memory(published_path: str, wanted: int, cap: float) -> dict:
    """The in-process client's own RSS over ``wanted`` decisions (run in a child process)."""
    with open(published_path, encoding="utf-8") as f:
        published = json.load(f)
    samples = []
    base = {}

    def progress(done):
        if "rss" not in base and done >= 20_000:   # after warm-up: pools, caches, first events
            gc.collect()
            base["rss"], base["at"] = rss_mb(), done
        if done % 100_000 < 100:
            samples.append((done, round(rss_mb(), 1)))

    n, t = in_process(published, seconds=cap, limit=wanted, on_progress=progress)
    gc.collect()
    after = rss_mb()
    return {"decisions": n, "seconds": t, "rss_before_mb": base.get("rss", after), "rss_after_mb": after,
            "rss_growth_mb": after - base.get("rss", after), "samples": samples}


# -- through the rules service ------------------------------------------------------------------

def _has_batch(cluster) -> bool:
    from nameko.exceptions import MethodNotFound
    try:
        cluster.rules.decide_many("civility_points", [{"deed_code": "help_neighbour"}])
        return True
    except MethodNotFound:
        return False


def through_service(amqp_uri: str, seconds: float, callers: int = 8, batch: bool = False,
                    limit: int | None = None, on_progress=None) -> tuple[int, float]:
    """(decisions, seconds) within ``seconds`` (or until ``limit`` decisions)."""
    from nameko.standalone.rpc import ClusterRpcProxy

    import services.kernel.nameko_ext  # noqa: F401  our errors travel in RPC replies
    counts = [0] * callers
    stop_at = time.perf_counter() + seconds
    failures: list[str] = []

    def caller(k):
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=120) as cluster:
            i = k
            while time.perf_counter() < stop_at and (limit is None or sum(counts) < limit):
                try:
                    if batch:
                        area, make = FACTS[i % len(FACTS)]
                        answers = cluster.rules.decide_many(area, [make(i * BATCH + j) for j in range(BATCH)])
                        counts[k] += len(answers)
                        if on_progress and k == 0:
                            on_progress(sum(counts))
                    else:
                        cluster.rules.decide(*_facts(i))
                        counts[k] += 1
                except Exception as exc:  # noqa: BLE001
                    import traceback
                    failures.append(repr(exc)[:200] + "\n" + traceback.format_exc()[-1500:])
                    if len(failures) > 20:
                        return
                i += callers

    started = time.perf_counter()
    threads = [threading.Thread(target=caller, args=(k,)) for k in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} rules calls failed, first: {failures[0]}")
    return sum(counts), elapsed


def measure(stack) -> dict:
    import tempfile

    from nameko.standalone.rpc import ClusterRpcProxy
    seconds = float(os.environ.get("BENCH_RULES_SECONDS", "20"))
    wanted = int(os.environ.get("BENCH_RULES_DECISIONS", "1000000"))
    memory_seconds = float(os.environ.get("BENCH_RULES_MEMORY_SECONDS", "600"))
    with ClusterRpcProxy({"AMQP_URI": stack.amqp_uri}, timeout=60) as cluster:
        batch = _has_batch(cluster)
        published = cluster.rules.published_rules(None)
    result = {"bare_per_s": bare(min(seconds, 10)), "batch_call": batch}
    n, t = in_process(published, seconds=min(seconds, 10))
    result["in_process_per_s"] = n / t
    n, t = through_service(stack.amqp_uri, seconds, batch=False)
    result["single_per_s"] = n / t
    if batch:
        n, t = through_service(stack.amqp_uri, seconds, callers=2, batch=True)
        result["batch_per_s"] = n / t
    result["service_per_s"] = max(result["single_per_s"], result.get("batch_per_s") or 0)
    result["ratio_to_bare"] = result["in_process_per_s"] / result["bare_per_s"]
    result["service_ratio_to_bare"] = result["service_per_s"] / result["bare_per_s"]

    # memory: the rules service over `wanted` decisions through decide_many, and meanwhile the
    # in-process client over as many in a child process of its own
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(published, f)
    child = subprocess.Popen([sys.executable, "-m", "bench.rules_service", "--local-memory", f.name,
                              str(wanted), str(memory_seconds)], stdout=subprocess.PIPE, text=True)
    pid = stack.pid("rules")
    through_service(stack.amqp_uri, 5, callers=2, batch=batch)  # warm-up at the memory run's pace
    before = rss_mb(pid)
    samples = []

    def progress(done):
        if not samples or done - samples[-1][0] >= 100_000:
            samples.append((done, round(rss_mb(pid), 1)))

    n, t = through_service(stack.amqp_uri, memory_seconds, callers=2 if batch else 8, batch=batch, limit=wanted,
                           on_progress=progress)
    after = rss_mb(pid)
    out, _ = child.communicate(timeout=memory_seconds + 120)
    os.unlink(f.name)
    local = json.loads(out.strip().splitlines()[-1]) if child.returncode == 0 else {"error": child.returncode}
    result.update({"memory_decisions": n, "memory_decisions_wanted": wanted, "memory_seconds": t,
                   "rss_before_mb": before, "rss_after_mb": after, "rss_growth_mb": after - before,
                   "rss_samples": samples, "in_process_memory": local})
    return result


def describe(r: dict) -> str:
    batch = f", decide_many {r['batch_per_s']:,.0f}/s" if r.get("batch_per_s") else " (no batch call in the service)"
    local = r.get("in_process_memory") or {}
    local_text = (f"; in-process client RSS {local['rss_before_mb']:.1f} -> {local['rss_after_mb']:.1f} MB over "
                  f"{local['decisions']:,} decisions ({local['seconds']:.0f}s)") if "decisions" in local else ""
    return (f"bare durable_rules {r['bare_per_s']:,.0f}/s; in-process client {r['in_process_per_s']:,.0f}/s "
            f"(ratio {r['ratio_to_bare']:.3f}); through the service: decide {r['single_per_s']:,.0f}/s{batch} "
            f"(ratio {r['service_ratio_to_bare']:.3f}). Rules service RSS {r['rss_before_mb']:.1f} -> "
            f"{r['rss_after_mb']:.1f} MB over {r['memory_decisions']:,} decisions ({r['memory_seconds']:.0f}s; "
            f"wanted {r['memory_decisions_wanted']:,}){local_text}")


def main() -> dict:
    from bench.suite import alone
    return alone("rules", measure, describe)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--local-memory"]:
        path, wanted, cap = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
        print(json.dumps(local_memory(path, wanted, cap)), flush=True)
    else:
        main()
