"""Management domain on SQLite, no broker: a FixedClock, the policy staff's own rule files
(an in-process PolicyBook), and a hamlet from the seeds: 三组 on national road G209."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from services.kernel.clock import FixedClock
from services.kernel.db import create_all, make_engine, outbox_table, session_factory
from services.management import linkage, register
from services.management.models import Base
from services.rules.engine import PolicyBook, rules_dir

START = datetime(2024, 6, 3, 9, 0, tzinfo=timezone.utc)   # a Monday
VILLAGE, HAMLET = "v-g209", "g3"


@pytest.fixture
def session():
    engine = make_engine("sqlite://")
    create_all(engine, Base.metadata)
    session = session_factory(engine)()
    yield session
    session.close()
    engine.dispose()


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture(scope="session")
def policy():
    return PolicyBook(rules_dir())


def emitted(session, name):
    rows = session.execute(select(outbox_table.c.body).where(outbox_table.c.event_type == name)
                           .order_by(outbox_table.c.id)).scalars()
    return [json.loads(body)["data"] for body in rows]


def households(session, clock, hamlet=HAMLET, n=12, hub=None, prefix=None):
    prefix = prefix or f"{hamlet}-h"
    ids = [f"{prefix}{i:02d}" for i in range(1, n + 1)]
    for i, household_id in enumerate(ids):
        linkage.household_registered(session, clock.now(), {
            "household_id": household_id, "village_id": VILLAGE, "hamlet_id": hamlet,
            "head_name": f"户主{i + 1}", "party_member": i == 0, "hub_household_id": hub})
    return ids


@pytest.fixture
def hamlet(session, clock):
    """三组: twelve households, the G209 roadside stretch with its post, a volunteer team and
    a mediation council of the village, and the elected supervision group."""
    ids = households(session, clock)
    area = register.register_area(session, {
        "area_id": "g3-g209", "village_id": VILLAGE, "hamlet_id": HAMLET, "kind": "road",
        "name": "三组 G209 国道沿线", "shared_by": ids[:4]})
    post = register.register_post(session, clock.now(), {
        "village_id": VILLAGE, "hamlet_id": HAMLET, "title": "三组道路保洁员", "holder_resident_id": "r-zhang",
        "holder_name": "张师傅", "holder_household_id": ids[5], "duties": ["road_upkeep"],
        "area_id": area.id, "schedule": ["monday", "friday"], "by": "cadre-1"})
    team = register.register_body(session, clock.now(), {
        "village_id": VILLAGE, "kind": "party_volunteer_team", "name": "党员志愿服务队",
        "term_start": date(2024, 1, 1), "term_end": date(2026, 12, 31), "by": "cadre-1",
        "members": [{"resident_id": "r-pm1", "name": "党员甲", "role": "captain", "party_member": True}]})
    council = register.register_body(session, clock.now(), {
        "village_id": VILLAGE, "kind": "mediation_council", "name": "矛盾纠纷调解会",
        "term_start": date(2024, 1, 1), "by": "cadre-1",
        "members": [{"resident_id": "r-elder", "name": "老支书", "role": "chair"}]})
    group = register.register_body(session, clock.now(), {
        "village_id": VILLAGE, "hamlet_id": None, "kind": "environment_supervision_group",
        "name": "人居环境监督小组", "term_start": date(2024, 6, 1), "by": "cadre-1",
        "elected_at_meeting": "mtg-1",
        "members": [{"resident_id": "r-s1", "name": "监督员一", "role": "leader", "household_id": ids[1]},
                    {"resident_id": "r-s2", "name": "监督员二", "household_id": ids[2]}]})
    session.commit()
    return {"households": ids, "area": area, "post": post, "team": team, "council": council, "group": group}


def filed(report_id="rep-1", category="ditch", hamlet_id=HAMLET, at=START):
    return {"report_id": report_id, "village_id": VILLAGE, "hamlet_id": hamlet_id, "at": at,
            "resident_id": "r-res", "household_id": f"{HAMLET}-h03", "category": category, "title": "边沟堵了"}
