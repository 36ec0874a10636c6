"""参与率 under real concurrency on PostgreSQL: two batches of one hamlet, written by two
processes (two replicas, or two workers of one) at the same moment, both commit, and the hamlet's
stored participation counts both. Each process has written its ledger entries — whose foreign key
holds a key-share lock on the hamlet — before either counts: without a per-hamlet lock both
insert the hamlet's first participation row (a duplicate key); with a plain FOR UPDATE each
waits on the other's key share (a deadlock)."""
from __future__ import annotations

import multiprocessing
import os
from datetime import datetime, timezone
from decimal import Decimal

import pytest

os.environ.setdefault("COCREATE_PII_KEY", "dGVzdC1vbmx5LW5vdC1hLXNlY3JldC1rZXktMDAwMDA=")

from services.contributions import models, participation, projects, recording, roster, schemas  # noqa: E402
from services.kernel import batches, migrations  # noqa: E402
from services.kernel.clock import FixedClock  # noqa: E402
from services.kernel.db import make_engine, session_factory  # noqa: E402
from tests.support.policy import FixturePolicy  # noqa: E402
from tests.unit.contributions.conftest import ROSTER  # noqa: E402

NOW = datetime(2026, 5, 10, 2, 0, tzinfo=timezone.utc)
BATCHES = {
    "labour": [{"kind": "labour", "project_id": "p1", "unit": "days"},
               [{"household_id": h, "quantity": "1"} for h in ("hh1", "hh2")]],
    "money": [{"kind": "money", "source": "crowd"},
              [{"household_id": h, "amount": "50"} for h in ("hh3", "hh4", "hh5")]],
}


def _record(url, which, counting, results):
    """Child process: one batch; it waits for the other's entries before it counts."""
    original, waited = participation._lock_hamlet, []

    def lock_after_both_wrote(session, hamlet_id):
        if not waited:
            waited.append(True)
            counting.wait(timeout=60)
        original(session, hamlet_id)
    participation._lock_hamlet = lock_after_both_wrote
    engine = make_engine(url)
    common, entries = BATCHES[which]
    try:
        with session_factory(engine)() as session:
            rows = batches.load_rows(schemas.ContributionIn(), entries, "entries", extra=common)
            recording.record_batch(session, FixturePolicy(), NOW, rows, recorded_by="cadre")
            session.commit()
        results.put("ok")
    except Exception as exc:  # noqa: BLE001  reported to the parent, which fails the test
        results.put(f"error:{type(exc).__name__}:{str(exc)[:300]}")
    finally:
        engine.dispose()


@pytest.fixture
def db(postgres_url):
    migrations.upgrade("contributions", postgres_url)
    engine = make_engine(postgres_url)
    with session_factory(engine)() as session:
        roster.import_file(session, "roster.csv", ROSTER.encode(), FixedClock(NOW), FixturePolicy())
        projects.register_project(session, NOW, {
            "project_id": "p1", "name": "伍家垸 幸福新垸", "scope": "hamlet", "village_id": "v1",
            "hamlet_id": "h1", "budget": Decimal("1000"),
            "mix": {"grant": Decimal("500"), "sponsor": Decimal("200"), "crowd": Decimal("300")}})
        session.commit()
    yield postgres_url, session_factory(engine)
    engine.dispose()


def test_two_batches_of_one_hamlet_at_once_both_count(db):
    url, sessions = db
    ctx = multiprocessing.get_context("spawn")
    counting, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_record, args=(url, which, counting, results)) for which in BATCHES]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    assert outcomes == ["ok", "ok"], outcomes
    with sessions() as session:
        rate = session.get(models.Participation, ("h1", "2026Q2"))
        # hh1, hh2 (labour) and hh3, hh4 (money) of h1's four households; hh5 is in h2
        assert (rate.participating, rate.households) == (4, 4)
        assert session.get(models.Participation, ("h2", "2026Q2")).participating == 1
