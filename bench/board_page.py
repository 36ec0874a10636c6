"""A village board page with a year of data: the read model's query and the page's rendering.

Builds one notifications database holding a year of a village's public life (300 households in
10 hamlets: weekly contributions, monthly decisions with their votes, funding rounds, titles,
suggestions and answers, reviews) — and as many more villages as BENCH_BOARD_VILLAGES asks — then renders
``/v/<village>/`` the way the gateway does (board.view + the Jinja2 page with its SVG charts)
from several threads at once, and prints p50/p95/p99 against the 300 ms target.

    python -m bench board_page      (BENCH_BOARD_URL: a PostgreSQL URL instead of a SQLite file;
                                     BENCH_BOARD_REQUESTS, BENCH_BOARD_THREADS to scale)

It measures the page in one process without the broker: the RPC hops to notifications and
scoring add to what a browser waits for on the running stack.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

TARGET_MS = 300


def _events(village: str, tag: str, weeks: int = 52):
    from tests.support.board_scenario import village_events
    from services.kernel import events
    start = datetime(2026, 1, 5, 1, tzinfo=timezone.utc)

    def ev(name, data, at):
        return events.parse_envelope(events.make_envelope(name, data, time=at))

    out = list(village_events(tag))  # the seed story: decisions, queue, honours, private matters
    hamlets = [f"{village}-h{h}" for h in range(10)]
    for h, hamlet in enumerate(hamlets):
        for n in range(30):
            out.append(ev("household.registered", {
                "household_id": f"{hamlet}-{n:02d}", "hamlet_id": hamlet, "village_id": village, "town_id": "t",
                "head_name": f"户主{h}{n:02d}", "party_member": n % 7 == 0, "hub_household_id": None,
                "village_name": f"村{tag}", "hamlet_name": f"第{h + 1}组"}, start))
    for week in range(weeks):
        at = start + timedelta(weeks=week)
        project = f"{village}-p{week // 4}"
        if week % 4 == 0:
            out.append(ev("project.registered", {
                "project_id": project, "name": f"第{week // 4 + 1}号项目", "scope": "hamlet", "village_id": village,
                "hamlet_id": hamlets[week % 10], "budget": "100000.00",
                "mix": {"grant": "60000.00", "sponsor": "20000.00", "crowd": "20000.00"}}, at))
            motion = f"{village}-m{week}"
            for b, body in enumerate(("party_members_meeting", "representatives_assembly")):
                out.append(ev("vote.recorded", {
                    "vote_id": f"{motion}-v{b}", "motion_id": motion, "meeting_id": f"{motion}-mt{b}",
                    "village_id": village, "hamlet_id": None, "body": body, "method": "tally", "members": 30,
                    "present": 25, "votes_for": 20, "votes_against": 3, "abstain": 2, "outcome": "approved",
                    "counts": True, "rule": {"id": "quorum.approved", "version": 1}, "recorded_by": "c",
                    "recorded_at": at.isoformat()}, at))
            out.append(ev("motion.decided", {
                "motion_id": motion, "village_id": village, "hamlet_id": None, "title": f"第{week // 4 + 1}号议题",
                "outcome": "approved", "matter": "major", "rule": {"id": "major_matter.budget", "version": 1},
                "decided_at": at.isoformat(), "bodies": [
                    {"body": "party_members_meeting", "outcome": "approved", "vote_id": f"{motion}-v0"},
                    {"body": "representatives_assembly", "outcome": "approved", "vote_id": f"{motion}-v1"}]}, at))
        for n in range(40):  # 40 ledger entries a week: 2,080 a year
            household = f"{hamlets[n % 10]}-{(week + n) % 30:02d}"
            kind = ("money", "labour", "materials")[n % 3]
            out.append(ev("contribution.recorded", {
                "entry_id": f"{village}-e{week}-{n}", "kind": kind, "household_id": household, "resident_id": None,
                "hamlet_id": hamlets[n % 10], "project_id": project, "reversal_of": None,
                "hours": "4" if kind == "labour" else None, "amount": "200.00" if kind == "money" else None,
                "source": "crowd" if kind == "money" else None,
                "items": [{"name": "砖", "count": 10}] if kind == "materials" else None}, at))
        out.append(ev("suggestion.filed", {
            "suggestion_id": f"{village}-s{week}", "village_id": village, "hamlet_id": hamlets[week % 10],
            "resident_id": "r", "title": f"第{week + 1}周的建议", "filed_at": at.isoformat()}, at))
        out.append(ev("suggestion.answered", {
            "suggestion_id": f"{village}-s{week}", "village_id": village, "resident_id": "r", "outcome": "adopted",
            "answer": "已采纳", "answered_by": "c", "answered_at": (at + timedelta(days=2)).isoformat()}, at))
        if week % 13 == 12:
            for n in range(10):
                out.append(ev("title.awarded", {
                    "title_id": f"{village}-t{week}-{n}", "household_id": f"{hamlets[n]}-{n:02d}",
                    "code": "ten_star_household", "quarter": f"2026Q{week // 13 + 1}", "honour_points": 200,
                    "rating_stars": 10, "rule": {"id": "titles.ten_star", "version": 1}}, at))
    return out


def main() -> dict:
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from services.gateway import pages
    from services.kernel import catalogue  # noqa: F401  (registers the event types)
    from services.kernel.db import create_all, make_engine, session_factory
    from services.notifications import board, publicity
    from services.notifications.models import Base
    from tests.support.board_scenario import PUBLICITY_PARAMS

    url = os.environ.get("BENCH_BOARD_URL") or f"sqlite:///{tempfile.mkdtemp()}/board.sqlite"
    requests_n = int(os.environ.get("BENCH_BOARD_REQUESTS", 200))
    threads_n = int(os.environ.get("BENCH_BOARD_THREADS", 4))
    engine = make_engine(url)
    create_all(engine, Base.metadata)
    Session = session_factory(engine)
    now = datetime(2026, 12, 31, tzinfo=timezone.utc)
    started = time.perf_counter()
    count = 0
    villages = [f"v-b{n:02d}" for n in range(int(os.environ.get("BENCH_BOARD_VILLAGES", 1)))]
    with Session() as session:
        for n, village in enumerate(villages):
            for event in _events(village, f"b{n:02d}"):
                for item in board.project(session, event, event.time):  # the read model only
                    publicity.open_for(session, item, PUBLICITY_PARAMS, event.time)
                count += 1
            session.commit()
    print(f"loaded {count} events for {len(villages)} village(s) "
          f"in {time.perf_counter() - started:.1f}s ({engine.url.get_backend_name()})")

    village = villages[0]

    def call(service, method, **kw):
        if method == "village_board":
            with Session() as session:
                q = kw["query"]
                return board.view(session, kw["village_id"], q.get("hamlet_id"), page=int(q.get("page", 1)), now=now)
        return {"rows": []}  # rankings come from scoring: not part of this read model

    request = Request(EnvironBuilder(path=f"/v/{village}/").get_environ())
    first = pages.serve(request, f"{village}/", call)
    assert first.status_code == 200, first.get_data(as_text=True)[:500]
    size = len(first.get_data())
    timings: list[float] = []
    lock = threading.Lock()

    def worker(n):
        for _ in range(n):
            t0 = time.perf_counter()
            response = pages.serve(request, f"{village}/", call)
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200
            with lock:
                timings.append(elapsed)
    workers = [threading.Thread(target=worker, args=(requests_n // threads_n,)) for _ in range(threads_n)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    timings.sort()
    p = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))]  # noqa: E731
    result = {"requests": len(timings), "threads": threads_n, "page_bytes": size,
              "p50_ms": round(statistics.median(timings), 1), "p95_ms": round(p(0.95), 1),
              "p99_ms": round(p(0.99), 1), "per_second": round(len(timings) / wall, 1)}
    result["ok"] = result["p99_ms"] <= TARGET_MS
    print(f"/v/{village}/ ({size // 1024} KiB): {result['requests']} renders from {threads_n} threads, "
          f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms "
          f"(target p99 <= {TARGET_MS} ms: {'met' if result['ok'] else 'MISSED'}), {result['per_second']}/s")
    return result
