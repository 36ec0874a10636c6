"""Proposals domain on SQLite, no broker: a FixedClock, the fake policy, and a transaction
helper that commits like an @api call (or rolls back on error, as the service would)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from services.kernel.clock import FixedClock
from services.kernel.db import create_all, make_engine, outbox_table, session_factory
from services.proposals.models import Base

from tests.support.policy import FixturePolicy

START = datetime(2024, 6, 3, 9, 0, tzinfo=timezone.utc)


# The roster the tests name, as household.registered announces it: {(village, hamlet): {household: [residents]}}
# (the first resident of a household is its head). Commands may only name what is on it.
ROSTER = {
    ("wuguidun", "g3"): {"h1": ["r1", "r2"], "h2": ["r3"], "h4": ["r9"], "h-huang": ["huang-yuanfu"],
                         "h-peng": ["peng-naiguo"]},
    ("wuguidun", "wuguidun-g3"): {"h-head-g3": ["head-g3"]},
    ("v", "g"): {"h-r": ["r"]},
    ("another-village", "av-1"): {"h-other": ["ren-other"]},
}


def on_roster(session, roster, *, party=(), at=START):
    """Households and their residents as the roster's ``household.registered`` announces them."""
    from services.proposals import registers
    from tests.support.rosters import registered
    for (village, hamlet), households in roster.items():
        for household, people in households.items():
            registers.household_registered(session, at, registered(village, hamlet, household, people, party))
    session.commit()


def make_session():
    engine = make_engine("sqlite://")
    create_all(engine, Base.metadata)
    session = session_factory(engine)()
    on_roster(session, ROSTER)
    return session


@pytest.fixture
def session():
    session = make_session()
    yield session
    session.close()
    session.get_bind().dispose()


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture
def policy():
    return FixturePolicy()


def tx(session, fn, *args, **kwargs):
    """One transaction per call, as the @api entrypoint does."""
    try:
        result = fn(session, *args, **kwargs)
        session.commit()
        return result
    except Exception:
        session.rollback()
        raise


def events(session, name=None):
    rows = session.execute(select(outbox_table.c.event_type, outbox_table.c.body)
                           .order_by(outbox_table.c.id)).all()
    return [(t, json.loads(b)["data"]) for t, b in rows if name is None or t == name]


def outbox_count(session):
    return session.scalar(select(func.count()).select_from(outbox_table))
