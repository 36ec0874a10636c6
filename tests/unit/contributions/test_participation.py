"""参与率 participation, checked by hand on the small roster (h1: 4 households, h2: 2)."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from services.contributions import ledger, participation, recording, roster

from .conftest import ROSTER
from .fakes import FakePolicy, emitted

APRIL = datetime(2026, 4, 20, 1, 0, tzinfo=timezone.utc)
MARCH = datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)


def rates(session):
    return [(d["hamlet_id"], d["period"], d["participating_households"], d["roster_households"], d["rate"])
            for _, d in emitted(session, "participation.changed")]


def test_participation_by_hand(session, policy, clock, roster_loaded):
    assert rates(session) == []  # an empty period is not news
    recording.record(session, policy, clock.now(), {"kind": "money", "household_id": "hh1", "amount": Decimal("100"),
                                           "source": "crowd"})
    assert rates(session)[-1] == ("h1", "2026Q2", 1, 4, 0.25)
    volunteer = recording.record(session, policy, clock.now(), {"kind": "people", "resident_id": "r2", "role": "volunteer"})
    assert rates(session)[-1] == ("h1", "2026Q2", 2, 4, 0.5)
    # hh1 contributed already: a second entry by the same household changes nothing
    recording.record(session, policy, clock.now(), {"kind": "people", "resident_id": "r1b", "role": "woman"})
    assert len(rates(session)) == 2
    # a village meeting: hh3 (h1), hh5 (h2), and r1 whose household hh1 already counts
    result = participation.record_attendance(session, policy, "meeting", "m1", APRIL,
                                             ["hh3", "hh5", "hh-stranger"], ["r1"])
    assert result["unknown"] == ["hh-stranger"]
    assert rates(session)[-2:] == [("h1", "2026Q2", 3, 4, 0.75), ("h2", "2026Q2", 1, 2, 0.5)]
    # the volunteer entry was a mistake: hh2 no longer took part
    recording.reverse(session, policy, clock.now(), volunteer.id, "recorded in the wrong hamlet book")
    assert rates(session)[-1] == ("h1", "2026Q2", 2, 4, 0.5)
    # a meeting last quarter counts for last quarter only
    participation.record_attendance(session, policy, "meeting", "m0", MARCH, ["hh4"], [])
    assert rates(session)[-1] == ("h1", "2026Q1", 1, 4, 0.25)
    assert participation.view(session, policy, "h1", None, clock.now())["rate"] == 0.5
    assert participation.view(session, policy, "h1", "2026H1", clock.now())["participating_households"] == 3
    # the same meeting delivered twice adds nothing
    before = len(rates(session))
    participation.record_attendance(session, policy, "meeting", "m1", APRIL, ["hh3", "hh5"], [])
    assert len(rates(session)) == before


def test_what_counts_comes_from_the_rule(session, clock, roster_loaded):
    policy = FakePolicy(counts=["meeting"], window="half_year")
    recording.record(session, policy, clock.now(), {"kind": "money", "household_id": "hh1", "amount": Decimal("1"),
                                           "source": "crowd"})
    assert rates(session) == []  # contributions do not count under this rule
    participation.record_attendance(session, policy, "activity", "a1", APRIL, ["hh1"], [])
    assert rates(session) == []  # nor do activities
    participation.record_attendance(session, policy, "meeting", "m1", APRIL, ["hh1", "hh2"], [])
    assert rates(session) == [("h1", "2026H1", 2, 4, 0.5)]


def test_a_bigger_roster_lowers_the_rate(session, policy, clock, roster_loaded):
    participation.record_attendance(session, policy, "meeting", "m1", APRIL, ["hh5"], [])
    assert rates(session)[-1] == ("h2", "2026Q2", 1, 2, 0.5)
    more = ROSTER + "t1,xx镇,v1,伍桂墩村,h2,桂花垸,hh7,,r7,吴七,户主,否,,否\n"
    roster.import_file(session, "roster.csv", more.encode(), clock, policy)
    assert rates(session)[-1] == ("h2", "2026Q2", 1, 3, pytest.approx(1 / 3))


def test_periods_follow_the_village_calendar():
    from services.kernel.periods import period_of
    # 23:30 UTC on 31 March is already 1 April in China
    assert period_of(datetime(2026, 3, 31, 23, 30, tzinfo=timezone.utc), "quarter") == "2026Q2"
    assert period_of(datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc), "half_year") == "2026H2"
    assert period_of(datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc), "year") == "2027"
