from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

# A personal-data key for tests only, obviously not a secret (production sets its own).
os.environ.setdefault("COCREATE_PII_KEY", "dGVzdC1vbmx5LW5vdC1hLXNlY3JldC1rZXktMDAwMDA=")

from services.contributions import roster
from services.contributions.models import Base
from services.kernel import catalogue  # noqa: F401
from services.kernel.clock import FixedClock

from tests.support.db import session_fixtures

from tests.support.policy import FixturePolicy

# A small roster checked by hand: hamlet h1 has 4 households, h2 has 2.
#   hh1 (head 张一, party member, in office) is the 1+10 hub of hh2 and hh3.
#   hh5 (head 李五, cadre) lives in h2.
ROSTER = """town_id,town_name,village_id,village_name,hamlet_id,hamlet_name,household_id,hub_household_id,resident_id,name,relation,party_member,party_category,cadre
t1,xx镇,v1,伍桂墩村,h1,伍家垸,hh1,,r1,张一,户主,是,在职,否
t1,xx镇,v1,伍桂墩村,h1,伍家垸,hh1,,r1b,张一妻,配偶,否,,否
t1,xx镇,v1,伍桂墩村,h1,伍家垸,hh2,hh1,r2,王二,户主,否,,否
t1,xx镇,v1,伍桂墩村,h1,伍家垸,hh3,hh1,r3,赵三,户主,否,,否
t1,xx镇,v1,伍桂墩村,h1,伍家垸,hh4,,r4,孙四,户主,否,,否
t1,xx镇,v1,伍桂墩村,h2,桂花垸,hh5,,r5,李五,户主,否,,是
t1,xx镇,v1,伍桂墩村,h2,桂花垸,hh6,,r6,周六,户主,否,,否
"""


engine, session = session_fixtures(Base.metadata)


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 5, 10, 2, 0, tzinfo=timezone.utc))  # 10:00 in the villages


@pytest.fixture
def policy():
    return FixturePolicy()


@pytest.fixture
def roster_loaded(session, clock, policy):
    result = roster.import_file(session, "roster.csv", ROSTER.encode(), clock, policy)
    session.commit()
    return result
