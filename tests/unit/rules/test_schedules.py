"""Reviews and deadlines kept in the database fire by the rules in force, also after a restart."""
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from services.kernel import migrations
from services.kernel.clock import FixedClock
from services.kernel.db import make_engine, outbox_table, session_factory
from services.rules import schedules
from services.rules.engine import PolicyBook

from .helpers import copy_rules, edit


@pytest.fixture
def folder(tmp_path):
    return copy_rules(tmp_path)


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path}/rules.sqlite"
    migrations.upgrade("rules", url)  # the real migrations, not create_all
    return url


def _session(url):
    return session_factory(make_engine(url))()


def _events(session):
    rows = session.execute(select(outbox_table.c.event_type, outbox_table.c.body).order_by(outbox_table.c.id)).all()
    return [(t, json.loads(b)["data"]) for t, b in rows]


def test_review_falls_due_then_overdue_and_survives_a_restart(folder, db_url):
    clock = FixedClock(datetime(2025, 1, 20, tzinfo=timezone.utc))
    with _session(db_url) as session:
        row = schedules.schedule_review(session, PolicyBook(folder), clock.now(), subject="project/bridge",
                                        kind="major", since="2025-01-15")
        # 2025H1's 半年评议 opens 15 days before the half year ends, at midnight in Asia/Shanghai
        assert row.next_check_at == datetime(2025, 6, 15, 16, tzinfo=timezone.utc)
        assert schedules.fire_due(session, PolicyBook(folder), clock.now()) == []
        session.commit()
    # "restart": a new book, a new engine, a new session; only the database remains
    clock.advance(days=180)  # 2025-07-19: due
    with _session(db_url) as session:
        fired = schedules.fire_due(session, PolicyBook(folder), clock.now())
        session.commit()
        assert [e["type"] for e in fired] == ["cn.cocreate.review.due"]
        assert schedules.fire_due(session, PolicyBook(folder), clock.now()) == []  # once, not every tick
        [(name, data)] = _events(session)
        assert name == "review.due" and data["reviewers"] == ["party_members_meeting", "representatives_assembly"]
        assert data["rule"] == {"id": "reviews.due", "version": 3, "policy": "reviews"}
    clock.advance(days=40)  # past the 30-day grace
    with _session(db_url) as session:
        fired = schedules.fire_due(session, PolicyBook(folder), clock.now())
        session.commit()
        assert [e["data"]["escalate_to"] for e in fired] == ["town"]
        assert schedules.listing(session)[0]["status"] == schedules.ESCALATED


def test_deadline_escalates_level_by_level_and_stops_at_the_top(folder, db_url):
    opened = datetime(2025, 5, 1, 8, tzinfo=timezone.utc)
    clock = FixedClock(opened)
    book = PolicyBook(folder)
    with _session(db_url) as session:
        schedules.track_deadline(session, book, clock.now(), subject="report/r1", kind="report")
        clock.advance(hours=23)
        assert schedules.fire_due(session, book, clock.now()) == []
        clock.advance(hours=1)
        fired = schedules.fire_due(session, book, clock.now())
        assert [(e["data"]["from_level"], e["data"]["escalate_to"]) for e in fired] == [(0, "village")]
        for _ in range(10):  # village 48h, town 72h, county: nobody above
            clock.advance(hours=200)
            schedules.fire_due(session, book, clock.now())
        session.commit()
        assert [d["escalate_to"] for _, d in _events(session)] == ["village", "town", "county"]
        assert schedules.listing(session)[0]["status"] == schedules.EXHAUSTED


def test_a_resolved_matter_no_longer_fires(folder, db_url):
    clock = FixedClock(datetime(2025, 5, 1, tzinfo=timezone.utc))
    book = PolicyBook(folder)
    with _session(db_url) as session:
        schedules.track_deadline(session, book, clock.now(), subject="suggestion/s1", kind="suggestion")
        schedules.resolve(session, clock.now(), kind="deadline", subject="suggestion/s1")
        clock.advance(days=30)
        assert schedules.fire_due(session, book, clock.now()) == []


def test_a_reload_applies_to_schedules_already_waiting(folder, db_url):
    clock = FixedClock(datetime(2025, 5, 1, tzinfo=timezone.utc))
    book = PolicyBook(folder)
    with _session(db_url) as session:
        schedules.track_deadline(session, book, clock.now(), subject="suggestion/s2", kind="suggestion")
        clock.advance(hours=72)
        edit(folder / "deadlines.yaml", "{answerer: hamlet, deadline_hours: 72, escalate_to: village}",
             "{answerer: hamlet, deadline_hours: 96, escalate_to: village}")
        book.reload()
        assert schedules.fire_due(session, book, clock.now()) == []  # the new 96 hours apply
        clock.advance(hours=24)
        [fired] = schedules.fire_due(session, book, clock.now())
        assert fired["data"]["deadline_hours"] == 96
