"""Policy decisions through the rules service (RPC, as the other services ask) against the
same rule files decided in-process by durable_rules (``PolicyBook``, no broker), on the same
facts; and the rules service's resident memory before and after many decisions.

Through the service it uses ``decide_many`` (a batch of facts in one call) when the service
has it, else ``decide`` from several callers at once; both are printed when both exist.

    python -m bench rules_service   (BENCH_RULES_SECONDS per path; BENCH_RULES_DECISIONS for memory)
"""
from __future__ import annotations

import os
import threading
import time

from bench.rules_memory import FACTS

BATCH = 500


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
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


def _has_batch(cluster) -> bool:
    from nameko.exceptions import MethodNotFound
    try:
        cluster.rules.decide_many("civility_points", [{"deed_code": "help_neighbour"}])
        return True
    except MethodNotFound:
        return False


def through_service(amqp_uri: str, seconds: float, callers: int = 8, batch: bool = False,
                    limit: int | None = None) -> tuple[int, float]:
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
                    else:
                        cluster.rules.decide(*_facts(i))
                        counts[k] += 1
                except Exception as exc:  # noqa: BLE001
                    failures.append(repr(exc)[:200])
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
    from nameko.standalone.rpc import ClusterRpcProxy
    seconds = float(os.environ.get("BENCH_RULES_SECONDS", "30"))
    wanted = int(os.environ.get("BENCH_RULES_DECISIONS", "1000000"))
    memory_seconds = float(os.environ.get("BENCH_RULES_MEMORY_SECONDS", "120"))
    with ClusterRpcProxy({"AMQP_URI": stack.amqp_uri}, timeout=60) as cluster:
        batch = _has_batch(cluster)
    result = {"bare_per_s": bare(min(seconds, 10)), "batch_call": batch}
    n, t = through_service(stack.amqp_uri, seconds, batch=False)
    result["single_per_s"] = n / t
    if batch:
        n, t = through_service(stack.amqp_uri, seconds, callers=2, batch=True)
        result["batch_per_s"] = n / t
    result["service_per_s"] = max(result["single_per_s"], result.get("batch_per_s") or 0)
    result["ratio_to_bare"] = result["service_per_s"] / result["bare_per_s"]

    pid = stack.pid("rules")
    through_service(stack.amqp_uri, 5, callers=2, batch=batch)  # warm-up at the memory run's pace
    before = rss_mb(pid)
    n, t = through_service(stack.amqp_uri, memory_seconds, callers=2 if batch else 8, batch=batch, limit=wanted)
    after = rss_mb(pid)
    result.update({"memory_decisions": n, "memory_decisions_wanted": wanted, "memory_seconds": t,
                   "rss_before_mb": before, "rss_after_mb": after, "rss_growth_mb": after - before})
    return result


def describe(r: dict) -> str:
    batch = f", decide_many {r['batch_per_s']:,.0f}/s" if r.get("batch_per_s") else " (no batch call in the service)"
    return (f"bare durable_rules {r['bare_per_s']:,.0f}/s; through the service: decide {r['single_per_s']:,.0f}/s"
            f"{batch}; ratio {r['ratio_to_bare']:.3f}. RSS {r['rss_before_mb']:.1f} -> {r['rss_after_mb']:.1f} MB "
            f"over {r['memory_decisions']:,} decisions ({r['memory_seconds']:.0f}s; wanted {r['memory_decisions_wanted']:,})")


def main() -> dict:
    from bench.suite import alone
    return alone("rules", measure, describe)


if __name__ == "__main__":
    main()
