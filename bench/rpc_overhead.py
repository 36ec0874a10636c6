"""CPU per RPC inside one service process: what a gateway request costs the service it calls.

Starts ``proposals`` alone (``nameko run``, as the Procfile does) on a vhost and data directory of
its own, stores 150 suggestions, then makes sequential calls (no concurrency: this is the cost of
one call, not a load test) and reads the process's CPU time from ``/proc`` before and after:

    python -m bench rpc_overhead      (Linux; under flock /tmp/bench.lock)

Issue 18's interactive mix sends ~45 RPCs/s to proposals; this says how much of a core that is.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CALLS = 200


def _cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(calls: int = CALLS) -> dict:
    from nameko.standalone.rpc import ClusterRpcProxy

    import services.kernel.nameko_ext  # noqa: F401  registers our errors for RPC replies
    from bench.suite import own_vhost
    from services.kernel.db import make_engine, session_factory
    from services.proposals import models
    from tests.support.stack import rpc_consumers

    result: dict = {"calls": calls}
    with own_vhost() as uri, tempfile.TemporaryDirectory(prefix="bench-rpc-") as home:
        env = {**os.environ, "AMQP_URI": uri, "COCREATE_DATA_DIR": home, "LOG_LEVEL": "WARNING",
               "COCREATE_SERVICE": "proposals"}
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "nameko"), "run", "--config", "config.yaml",
             "services.proposals.service:ProposalsService"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while rpc_consumers(uri, "proposals") < 1:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("proposals did not start")
                time.sleep(0.5)
            engine = make_engine(f"sqlite:///{home}/proposals.sqlite")
            now = datetime.now(timezone.utc)
            with session_factory(engine)() as session:
                session.add_all(models.Suggestion(
                    id=f"sug{i}", village_id="v", hamlet_id="g", resident_id="r", household_id="h",
                    title=f"修路 {i}", body="村口的路需要修一修", status="open", filed_at=now, level=0,
                    level_since=now) for i in range(150))
                session.commit()
            engine.dispose()
            with ClusterRpcProxy({"AMQP_URI": uri}, timeout=30) as cluster:
                for name, call in (("get_suggestion", lambda: cluster.proposals.get_suggestion("sug1")),
                                   ("list_suggestions_100", lambda: cluster.proposals.list_suggestions(
                                       {"village_id": "v"})),
                                   ("list_motions_empty", lambda: cluster.proposals.list_motions(
                                       {"village_id": "v"}))):
                    for _ in range(20):
                        call()
                    cpu, wall = _cpu_ms(process.pid), time.perf_counter()
                    for _ in range(calls):
                        call()
                    result[f"{name}_cpu_ms"] = round((_cpu_ms(process.pid) - cpu) / calls, 2)
                    result[f"{name}_wall_ms"] = round((time.perf_counter() - wall) * 1000 / calls, 2)
        finally:
            process.terminate()
            process.wait(30)
    return result


def main() -> dict:
    result = measure()
    print("CPU per call inside proposals: " + ", ".join(
        f"{k[:-7]} {result[k]} ms (wall {result[k[:-7] + '_wall_ms']} ms)"
        for k in result if k.endswith("_cpu_ms")), flush=True)
    return result


if __name__ == "__main__":
    main()
