"""Two processes each of scoring and contributions (``COCREATE_REPLICAS``) on PostgreSQL take a
small county's quarter — rating sheets and contribution batches — as competing consumers, and
apply every event once: one points entry per rating and per labour entry, every account equal to
its ledger, every quarter total equal to its entries, the contributions ledger holding each batch
entry once, no outbox row left behind. (The speed of the same workload is ``bench/replicas.py``'s.)"""
from __future__ import annotations

import pytest


# A whole quarter on its own stack of ten processes: ~1 minute alone, several while the other e2e
# stacks share the two cores (the suite's 300 s would stop the whole run).
@pytest.mark.timeout(900)
@pytest.mark.parametrize("replicas", [2])
def test_replicas_apply_the_quarter_once(postgres_base_url, replicas):
    from bench import quarter
    from bench import replicas as bench_replicas
    stats: dict = {}
    records, _seconds = quarter.run(
        0.002, postgres_base_url,
        extra_settings={"COCREATE_REPLICAS": f"scoring={replicas},contributions={replicas}"},
        stats=stats, verify=bench_replicas.verify)
    assert stats["verified"]["ok"], stats["verified"]["problems"]
    assert records == stats["verified"]["found"]["ratings"] + stats["verified"]["found"]["ledger_entries"]
    processes = stats["cpu"]["processes"]
    assert {"scoring", "scoring-1", "contributions", "contributions-1"} <= set(processes) or \
        not processes, f"two processes of each should have worked: {processes}"
