"""Rules service memory over a long run: decisions and reloads must not grow the process.

Every decision posts one event to durable_rules; the engine consumes it (nothing is left in
its state), and a reload retires the old host and frees its rulesets in the C engine. This
bench makes many decisions across every area, then many reloads, and prints the resident set
size as it goes: the numbers should stay flat after warm-up.

    python -m bench rules_memory        (BENCH_RULES_DECISIONS, BENCH_RULES_RELOADS to scale)
"""
from __future__ import annotations

import gc
import os
import time


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


FACTS = [
    ("major_matter", lambda i: {"scope": "village", "estimated_budget": i % 200000}),
    ("quorum", lambda i: {"body": "villagers_meeting", "members": 100, "present": 40 + i % 40,
                          "votes_for": i % 40}),
    ("deadlines", lambda i: {"kind": "report", "level": i % 4, "age_hours": i % 200}),
    ("civility_points", lambda i: {"deed_code": ["help_neighbour", "litter", "nope"][i % 3]}),
    ("labour", lambda i: {"check": "eligibility", "project_scope": "hamlet", "project_hamlet_id": "g1",
                          "contributor_hamlet_id": f"g{i % 2}"}),
    ("funding_mix", lambda i: {"crowd_share": (i % 100) / 100, "grant_requested": bool(i % 2)}),
    ("party_assessment", lambda i: {"category": "in_office", "positives": ["lead_project"] * (i % 4)}),
    ("beautiful_hamlet", lambda i: {"scores": {"environment": i % 100, "greening": 80, "public_space": 90,
                                               "civility": 70}, "satisfaction": (i % 10) / 10}),
    ("funding", lambda i: {"round_id": f"r{i}", "budget": "100000", "requests": [
        {"request_id": f"q{j}", "hamlet_id": f"h{j}", "amount": str(10000 * (j + 1)),
         "participation_rate": ((i + j) % 10) / 10, "requested_at": "2025-01-01T00:00:00Z"} for j in range(5)]}),
]


def main() -> None:
    from services.rules.engine import PolicyBook

    decisions = int(os.environ.get("BENCH_RULES_DECISIONS", 200_000))
    reloads = int(os.environ.get("BENCH_RULES_RELOADS", 300))
    book = PolicyBook()
    step = max(decisions // 10, 1)
    for i in range(2_000):  # warm-up: allocator pools, caches, the first probes
        area, facts = FACTS[i % len(FACTS)]
        book.decide(area, facts(i))
    gc.collect()
    base = rss_kib()
    print(f"decisions: {decisions} across {len(FACTS)} areas; RSS after warm-up {base} KiB")
    started = time.perf_counter()
    samples = []
    for i in range(decisions):
        area, facts = FACTS[i % len(FACTS)]
        book.decide(area, facts(i))
        if (i + 1) % step == 0:
            gc.collect()
            samples.append(rss_kib())
            print(f"  after {i + 1:>8} decisions: RSS {samples[-1]} KiB ({samples[-1] - base:+d})")
    elapsed = time.perf_counter() - started
    print(f"  {decisions / elapsed:,.0f} decisions/s; growth over the second half: "
          f"{samples[-1] - samples[len(samples) // 2 - 1]:+d} KiB")

    gc.collect()
    base = rss_kib()
    step = max(reloads // 5, 1)
    started = time.perf_counter()
    print(f"reloads: {reloads} (each compiles every file into a new durable_rules host)")
    for i in range(reloads):
        book.reload()
        book.explain("labour", {"check": "leadership", "first_contributors": []})  # probes too
        if (i + 1) % step == 0:
            gc.collect()
            print(f"  after {i + 1:>5} reloads: RSS {rss_kib()} KiB ({rss_kib() - base:+d})")
    print(f"  {(time.perf_counter() - started) / reloads * 1000:.1f} ms per reload")
    changed_reloads(book, max(reloads // 4, 10))


def changed_reloads(book, count: int) -> None:
    """Reloads that each change one threshold: only that area gets a new ruleset. The engine
    never frees a used ruleset's session state (deleting it crashes the engine), so each
    changed area costs a few KiB: the price of a policy edit, not of a decision."""
    import re
    import shutil
    import tempfile
    from pathlib import Path

    from services.rules.engine import PolicyBook
    folder = Path(tempfile.mkdtemp()) / "rules"
    shutil.copytree(book.directory, folder)
    edited = PolicyBook(folder)
    path = folder / "major_matter.yaml"
    gc.collect()
    base = rss_kib()
    for i in range(count):
        path.write_text(re.sub(r"major_budget_yuan: \d+", f"major_budget_yuan: {100000 + i + 1}",
                               path.read_text(encoding="utf-8")), encoding="utf-8")
        edited.reload()
        edited.decide("major_matter", {"scope": "village", "estimated_budget": 100000})
    gc.collect()
    print(f"reloads that change one area: {count}; RSS {rss_kib() - base:+d} KiB "
          f"({(rss_kib() - base) / count:.1f} KiB per changed area)")
    shutil.rmtree(folder.parent)


if __name__ == "__main__":
    main()
