"""A county's quarter through the batch paths: rating sheets and contribution batches.

A generated county (15 towns, 300 villages, 3,000 hamlets, 150,000 households by default) is
imported through the roster path (``cocreate roster import``, not timed) into the services as
``make run`` starts them; then 150,000 ratings in 3,000 hamlet sheets (``scoring.rate_sheet``)
plus 50,000 contributions (``contributions.record_batch``: a labour list per village project,
a month's crowd money per village) are sent, timed from the first command to the last effect
visible through the API (scoring's points for the last labour entry and the last rating, and
the notifications service's catch-up feed holding the last batch event of each kind).

``run()`` returns ``(records, seconds)`` (for ``make bench``'s table: ``quarter_records_per_s``,
``quarter_seconds``). Alone: ``python -m bench.quarter [--postgres] [--scale 0.1]``, under
``flock /tmp/bench.lock``. ``QUARTER_SCALE`` (or ``--scale``) shrinks the county for a quick run.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

QUARTER = "2026Q2"
HEADER = ("town_id,town_name,village_id,village_name,hamlet_id,hamlet_name,household_id,hub_household_id,"
          "resident_id,name,relation,party_member,party_category,cadre\n")


def county(scale: float = 1.0) -> dict:
    towns = max(1, round(15 * scale))
    villages = max(towns, round(300 * scale))
    hamlets = max(villages, round(3000 * scale))
    households = max(hamlets, round(150_000 * scale))
    return {"towns": towns, "villages": villages, "hamlets": hamlets, "households": households,
            "contributions": max(villages, round(50_000 * scale))}


def write_roster(path: Path, size: dict) -> dict:
    """The county as a roster CSV; returns {hamlet: [households]} and {village: [hamlets]}."""
    per_hamlet = size["households"] // size["hamlets"]
    hamlets_of, households_of = {}, {}
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        serial = 0
        for g in range(size["hamlets"]):
            v = g * size["villages"] // size["hamlets"]
            t = v * size["towns"] // size["villages"]
            village, hamlet = f"qv{v}", f"qg{g}"
            hamlets_of.setdefault(village, []).append(hamlet)
            for _ in range(per_hamlet):
                serial += 1
                household = f"qh{serial}"
                households_of.setdefault(hamlet, []).append(household)
                party = "是" if serial % 10 == 1 else "否"
                out.write(f"qt{t},镇{t},{village},村{v},{hamlet},组{g},{household},,qr{serial},户主{serial},户主,"
                          f"{party},{'在职' if party == '是' else ''},否\n")
    return {"hamlets_of": hamlets_of, "households_of": households_of}


def _until(check, timeout: float, what: str, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception:  # noqa: BLE001  not there yet, or the services are busy
            pass
        time.sleep(every)
    raise TimeoutError(f"waited {timeout:.0f}s for {what}")


def _commands(size: dict, layout: dict) -> list[tuple[str, str, dict]]:
    """(service, method, payload) of every batch command of the quarter, villages interleaved."""
    commands = []
    for hamlet, households in layout["households_of"].items():
        commands.append(("scoring", "rate_sheet", {
            "hamlet_id": hamlet, "quarter": QUARTER, "rated_by": "bench",
            "ratings": [{"household_id": h, "stars": (i * 7) % 11} for i, h in enumerate(households)]}))
    villages = list(layout["hamlets_of"].items())
    per_village = size["contributions"] // len(villages)
    for v, (village, hamlets) in enumerate(villages):
        first = layout["households_of"][hamlets[0]]
        labour = min(len(first), per_village // 3)
        commands.append(("contributions", "record_batch", {
            "kind": "labour", "project_id": f"qp{v}", "unit": "days", "recorded_by": "bench",
            "entries": [{"household_id": h, "quantity": "1"} for h in first[:labour]]}))
        money, everyone = per_village - labour, [h for g in hamlets for h in layout["households_of"][g]]
        commands.append(("contributions", "record_batch", {
            "kind": "money", "source": "crowd", "recorded_by": "bench",
            "entries": [{"household_id": everyone[i % len(everyone)], "amount": "50"} for i in range(money)]}))
    return commands


def run(scale: float | None = None, postgres_url: str | None = None, workers: int = 4,
        extra_settings: dict | None = None, stats: dict | None = None, verify=None,
        settle: bool = False) -> tuple[int, float]:
    """The quarter on a fresh stack; ``(records, seconds)``. ``postgres_url``: a server URL
    (each service gets a database of its own there), else SQLite. ``extra_settings``: more of
    the stack's environment (``COCREATE_REPLICAS``); ``stats``, if given, gets the CPU use of the
    timed part (``bench/cpu.py``) and what ``verify({service: database URL}, commands)`` returned,
    called once the last effect is visible and before the stack stops. ``settle``: before the
    clock starts, wait until every event queue is empty (the roster's events are still being
    applied by the other services once scoring knows the last household)."""
    from nameko.standalone.rpc import ClusterRpcProxy

    import services.kernel.nameko_ext  # noqa: F401  registers our errors for RPC replies
    from tests.support import infra, stack as stacks

    scale = float(os.environ.get("QUARTER_SCALE", "1")) if scale is None else scale
    size = county(scale)
    base = os.environ.get("COCREATE_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    vhosts = infra.VhostManager(base)
    uri = vhosts.create()
    databases = []
    settings = {"GATEWAY_RPC_TIMEOUT": 120, "RATE_LIMIT_ANONYMOUS": "1000000/minute",
                "RATE_LIMIT_IDENTIFIED": "1000000/minute"}
    if postgres_url:
        databases = _postgres_databases(postgres_url)
        settings.update({f"{name.upper()}_DATABASE_URL": url for name, url in databases})
    settings.update(extra_settings or {})
    with tempfile.TemporaryDirectory(prefix="bench-quarter-") as tmp:
        home = Path(tmp)
        stack = stacks.start(uri, home, **settings)
        try:
            layout = write_roster(home / "county.csv", size)
            started = time.perf_counter()
            imported = stack.cocreate("roster", "import", str(home / "county.csv"), "--quiet", timeout=3600)
            if imported.returncode != 0:
                raise RuntimeError(f"roster import failed: {imported.stderr[-2000:]}")
            last = f"qh{size['households'] // size['hamlets'] * size['hamlets']}"
            config = {"AMQP_URI": uri}
            with ClusterRpcProxy(config, timeout=120) as cluster:
                _until(lambda: cluster.scoring.get_household(last), 7200, "scoring to know the roster", 2)
                for v, (village, hamlets) in enumerate(layout["hamlets_of"].items()):
                    cluster.contributions.register_project({
                        "project_id": f"qp{v}", "name": f"村{v} 幸福垸", "scope": "hamlet", "village_id": village,
                        "hamlet_id": hamlets[0], "budget": "100000.00",
                        "mix": {"grant": "50000.00", "sponsor": "10000.00", "crowd": "40000.00"}})
            if settle:
                _until(lambda: _settled(vhosts, uri), 3600, "the roster's events to be applied everywhere", 1)
            print(f"  county of {size['households']} households ready in {time.perf_counter() - started:.0f}s "
                  "(roster import and its events; not timed)", flush=True)

            commands = _commands(size, layout)
            records = sum(len(p.get("ratings") or p.get("entries")) for _s, _m, p in commands)
            answers: dict[int, object] = {}
            failures: list[str] = []

            def worker(part):
                with ClusterRpcProxy(config, timeout=600) as cluster:
                    for index, (service, method, payload) in part:
                        try:
                            answers[index] = getattr(getattr(cluster, service), method)(payload)
                        except Exception as exc:  # noqa: BLE001  reported after the run
                            failures.append(f"{service}.{method}: {exc!r}"[:1500])

            numbered = list(enumerate(commands))
            threads = [threading.Thread(target=worker, args=(numbered[w::workers],)) for w in range(workers)]
            from bench import cpu
            window = cpu.Window(stack.process.pid if stack.process else None)
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if failures:
                raise RuntimeError(f"{len(failures)} commands failed, first: {failures[0]}")
            labour_entry = next(a[-1] for i, a in sorted(answers.items(), reverse=True)
                                if commands[i][1] == "record_batch" and commands[i][2]["kind"] == "labour")
            last_sheet = next(a for i, a in sorted(answers.items(), reverse=True) if commands[i][1] == "rate_sheet")
            with ClusterRpcProxy(config, timeout=120) as cluster:
                _until(lambda: cluster.scoring.list_entries({"source": "labour",
                                                             "household_id": labour_entry["household_id"]}),
                       3600, "the last labour's points", 0.2)
                _until(lambda: cluster.scoring.get_entry(last_sheet["ratings"][-1]["entry_id"] or
                                                         last_sheet["ratings"][-2]["entry_id"]),
                       3600, "the last sheet's points", 0.2)
            import requests

            from tests.support.identity import issue
            reader = requests.Session()
            reader.headers["Authorization"] = "Bearer " + issue(config, "integration", "county:*")["token"]
            expected = {"civility.sheet_rated": size["hamlets"],
                        "contribution.batch_recorded": 2 * size["villages"]}

            def feed_complete():
                for kind, count in expected.items():
                    seen, after = 0, None
                    while True:
                        query = {"types": kind, "limit": 500, **({"after": after} if after else {})}
                        page = reader.get(f"{stack.url}/api/events", params=query, timeout=60).json()
                        seen += len(page["events"])
                        if not page["events"] or not page.get("more"):
                            break
                        after = page["next"]
                    if seen < count:
                        return False
                return True
            _until(feed_complete, 3600, "the catch-up feed to hold every batch event", 1)
            seconds = time.perf_counter() - started
            if stats is not None:
                stats["cpu"] = window.stop()
                if verify is not None:
                    stats["verified"] = verify(dict(databases), commands)
            return records, seconds
        finally:
            stack.stop()
            vhosts.delete(uri)
            if postgres_url:
                _drop_postgres(postgres_url, databases)


def _settled(vhosts, uri: str, quiet_for: int = 3) -> bool:
    """Every event queue of the vhost empty (ready and unacknowledged), ``quiet_for`` times in a
    row a few seconds apart (the management API's counts lag by up to 5 s); asked through the
    management API, else ``rabbitmqctl``; True at once where neither answers."""
    import subprocess
    from urllib.parse import quote, urlsplit

    import requests
    vhost = urlsplit(uri).path.lstrip("/") or "/"

    def counts() -> list[tuple[str, int]]:
        if getattr(vhosts, "_use_http", False):
            queues = requests.get(f"{vhosts.mgmt}/api/queues/{quote(vhost, safe='')}?columns=name,messages",
                                  timeout=10).json()
            return [(q["name"], q.get("messages") or 0) for q in queues]
        listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "messages"],
                                 capture_output=True, text=True, timeout=60)
        return [(name, int(n)) for name, n in (line.split("\t")[:2] for line in listing.stdout.splitlines()
                                                if "\t" in line) if n.isdigit()]
    try:
        counts()
    except (OSError, subprocess.SubprocessError, requests.RequestException):
        return True
    for attempt in range(quiet_for):
        if attempt:
            time.sleep(3)
        if any(n for name, n in counts() if name.startswith("evt-")):
            return False
    return True


def measure(postgres: bool = False, scale: float | None = None, settle: bool = False) -> dict:
    """The quarter as ``make bench``'s table wants it (``quarter_records_per_s``, ``quarter_seconds``)."""
    url = None
    if postgres:
        url = os.environ.get("COCREATE_TEST_POSTGRES_URL", "postgresql+pg8000://postgres@127.0.0.1:5432/test")
    scale = float(os.environ.get("QUARTER_SCALE", "1")) if scale is None else scale
    stats: dict = {}
    records, seconds = run(scale, url, stats=stats, settle=settle)
    return {"database": "postgresql" if url else "sqlite", "scale": scale, "quarter_records": records,
            "quarter_seconds": round(seconds, 1), "quarter_records_per_s": round(records / seconds, 1),
            "target_seconds": 120, "ok": seconds <= 120, "cpu": stats.get("cpu")}


SERVICE_DATABASES = ("proposals", "rules", "contributions", "scoring", "notifications", "management", "identity")


def _postgres_databases(server_url: str) -> list[tuple[str, str]]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from services.kernel.db import make_engine, normalise_url
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    found = []
    with admin.connect() as conn:
        for service in SERVICE_DATABASES:
            name = f"bench_quarter_{service}_{uuid.uuid4().hex[:8]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            found.append((service, make_url(normalise_url(server_url)).set(database=name)
                          .render_as_string(hide_password=False)))
    admin.dispose()
    return found


def _drop_postgres(server_url: str, databases) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from services.kernel.db import make_engine
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for _service, url in databases:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.quarter")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL (COCREATE_TEST_POSTGRES_URL)")
    parser.add_argument("--scale", type=float, default=None, help="county size (1 = 150,000 households)")
    parser.add_argument("--replicas", type=int, default=1,
                        help="PostgreSQL: processes of scoring and contributions each (bench/replicas.py)")
    parser.add_argument("--settle", action="store_true",
                        help="start the clock only once every service has applied the roster's events")
    args = parser.parse_args(argv if argv is not None else [])
    if args.replicas > 1:
        from bench import replicas
        result = replicas.quarter_once(args.replicas, args.scale)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        return {**result, "ok": result["quarter_seconds"] <= 120}
    result = measure(args.postgres, args.scale, settle=args.settle)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]).get("ok") else 1)
