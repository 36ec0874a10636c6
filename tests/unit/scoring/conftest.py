from datetime import datetime, timezone

import pytest

from services.kernel.clock import FixedClock
from services.scoring import households
from services.scoring.models import Base

from tests.support.db import session_fixtures

from tests.support.scoring_policy import FakePolicy

NOW = datetime(2025, 5, 16, 9, 0, tzinfo=timezone.utc)  # a Friday (清洁日), 2025Q2, 2025H1


engine, session = session_fixtures(Base.metadata)


@pytest.fixture
def policy():
    return FakePolicy()


@pytest.fixture
def clock():
    return FixedClock(NOW)


def register(session, household_id, hamlet_id="g3", village_id="wuguidun", hub=None, party_member=False,
             head_name=None, residents=None):
    """``residents``: [(resident_id, name, party_category or None)], as the roster lists them."""
    return households.apply_registered(session, {
        "household_id": household_id, "hamlet_id": hamlet_id, "village_id": village_id, "town_id": "t1",
        "head_name": head_name or f"head of {household_id}", "party_member": party_member,
        "hub_household_id": hub,
        "residents": None if residents is None else [
            {"resident_id": rid, "name": name, "is_head": i == 0, "party_member": category is not None,
             "party_category": category, "cadre": False} for i, (rid, name, category) in enumerate(residents)]}, NOW)


@pytest.fixture
def roster(session):
    """Group 3: hub household h-hub (党员中心户) linked to h1, h2; h3 in group 4 with another hub."""
    register(session, "h-hub", party_member=True, residents=[("r-hub", "张 党员", "in_office"),
                                                             ("r-hub-2", "张 流动党员", "mobile")])
    register(session, "h1", hub="h-hub", head_name="黄远福", residents=[("r1", "黄远福", None)])
    register(session, "h2", hub="h-hub")
    register(session, "h-hub4", hamlet_id="g4", party_member=True)
    register(session, "h3", hamlet_id="g4", hub="h-hub4")
    register(session, "x1", hamlet_id="x-g1", village_id="other")
    session.commit()
    return session
