"""四出 ledger: append-only, reversals keep totals exact, labour rules asked of the policy."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from services.contributions import ledger, models, projects, recording, roster
from services.contributions.models import Base
from services.kernel.clock import FixedClock
from services.kernel.db import create_all, make_engine, session_factory
from services.kernel.errors import Conflict, NotFound, PolicyRefused, ValidationFailed

from .conftest import ROSTER
from tests.support.db import emitted
from tests.support.policy import FixturePolicy


def money(household, amount, source="crowd", **kw):
    return {"kind": "money", "household_id": household, "amount": Decimal(amount), "source": source, **kw}


@pytest.fixture
def project(session, clock, roster_loaded):
    p = projects.register_project(session, clock.now(), {
        "project_id": "p1", "name": "伍家垸 幸福新垸", "scope": "hamlet", "village_id": "v1",
        "hamlet_id": "h1", "budget": Decimal("1000"),
        "mix": {"grant": Decimal("500"), "sponsor": Decimal("200"), "crowd": Decimal("300")}})
    session.commit()
    return p


def test_each_kind_is_recorded_and_announced(session, policy, clock, project):
    recording.record(session, policy, clock.now(), {"kind": "people", "resident_id": "r1", "role": "five_elders"})
    recording.record(session, policy, clock.now(), money("hh2", "20000.00", "sponsor", project_id="p1"))
    labour = recording.record(session, policy, clock.now(), {"kind": "labour", "resident_id": "r3", "project_id": "p1",
                                                    "quantity": Decimal("1.5"), "unit": "days"})
    stones = recording.record(session, policy, clock.now(), {
        "kind": "materials", "household_id": "hh4",
        "items": [{"name": "磨盘 millstone", "count": 3}, {"name": "石磙 stone roller", "count": 2}],
        "land_area_m2": Decimal("85.5"), "valuation": Decimal("1200")})
    assert labour.hours == Decimal("12.00") and labour.household_id == "hh3" and labour.hamlet_id == "h1"
    recorded = [d for _, d in emitted(session, "contribution.recorded")]
    assert [d["kind"] for d in recorded] == ["people", "money", "labour", "materials"]
    assert recorded[1]["amount"] == "20000.00" and recorded[1]["source"] == "sponsor"
    assert recorded[2]["hours"] == "12.00" and recorded[2]["resident_id"] == "r3"
    assert recorded[3]["items"][0] == {"name": "磨盘 millstone", "count": 3, "unit": None}
    # donated land 余基空坪 becomes a public-use parcel
    parcel = session.query(models.Parcel).one()
    assert (parcel.origin, parcel.origin_id, parcel.area_m2, parcel.land_use) == (
        "donation", stones.id, Decimal("85.50"), "public")


def test_a_reversal_leaves_totals_exact(session, policy, clock, project):
    a = recording.record(session, policy, clock.now(), money("hh1", "0.10"))
    recording.record(session, policy, clock.now(), money("hh2", "0.20"))
    c = recording.record(session, policy, clock.now(), money("hh3", "1234.57", "sponsor"))
    items = recording.record(session, policy, clock.now(), {"kind": "materials", "household_id": "hh4",
                                                   "items": [{"name": "景观石", "count": 30}]})
    recording.reverse(session, policy, clock.now(), c.id, "typed 1234.57, meant 1234.56")
    recording.record(session, policy, clock.now(), money("hh3", "1234.56", "sponsor"))
    recording.reverse(session, policy, clock.now(), items.id, "stones went to another village")
    totals = ledger.totals(session, {})
    assert totals["money"] == {"total": "1234.86", "by_source": {"grant": "0.00", "sponsor": "1234.56",
                                                                "crowd": "0.30"}}
    assert totals["materials"]["items"] == {}
    assert totals["entries"] == 7
    assert ledger.totals(session, {"household_id": "hh1"})["money"]["total"] == "0.10"
    reversal = [d for _, d in emitted(session, "contribution.recorded")][4]
    assert reversal["reversal_of"] == c.id and reversal["amount"] == "-1234.57"
    # history is never edited, and an entry is reversed only once
    with pytest.raises(Conflict):
        recording.reverse(session, policy, clock.now(), c.id, "again")
    with pytest.raises(NotFound):
        recording.reverse(session, policy, clock.now(), "ce-nope", "?")
    a.amount = Decimal("99")
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()


def test_a_reversal_is_not_itself_reversed(session, policy, clock, project):
    a = recording.record(session, policy, clock.now(), money("hh1", "5"))
    r = recording.reverse(session, policy, clock.now(), a.id, "mistake")
    with pytest.raises(Conflict, match="itself a reversal"):
        recording.reverse(session, policy, clock.now(), r.id, "undo the undo")


def test_bad_contributions_are_refused_before_writing(session, policy, clock, project):
    with pytest.raises(ValidationFailed) as caught:
        recording.record(session, policy, clock.now(), {"kind": "money", "household_id": "hh1", "amount": Decimal("5"),
                                               "source": "crowd", "role": "volunteer"})
    assert "role" in caught.value.detail["fields"]
    with pytest.raises(ValidationFailed) as caught:
        recording.record(session, policy, clock.now(), {"kind": "people", "role": "volunteer"})
    assert "household_id" in caught.value.detail["fields"]
    with pytest.raises(ValidationFailed) as caught:
        recording.record(session, policy, clock.now(), {"kind": "people", "resident_id": "r1", "household_id": "hh2",
                                               "role": "volunteer"})
    assert "resident_id" in caught.value.detail["fields"]
    with pytest.raises(NotFound):
        recording.record(session, policy, clock.now(), money("hh-unknown", "5"))
    with pytest.raises(ValidationFailed):
        recording.record(session, policy, clock.now(), {"kind": "labour", "resident_id": "r1",
                                               "quantity": Decimal(2), "unit": "hours"})
    assert emitted(session, "contribution.recorded") == []


LABOUR_R5 = {"kind": "labour", "resident_id": "r5", "project_id": "p1", "quantity": Decimal(4), "unit": "hours"}


def test_a_neighbours_labour_is_recorded_and_counted_for_the_projects_hamlet(session, policy, clock, project):
    """小组事小组上 assigns responsibility; by default (other_hamlet: allow) a neighbour from h2
    who helps on h1's project is recorded, and the hours count for h1."""
    entry = recording.record(session, policy, clock.now(), dict(LABOUR_R5))
    assert (entry.hamlet_id, entry.household_id, entry.flag) == ("h1", "hh5", None)
    assert policy.decisions("labour")[0]["contributor_hamlet_id"] == "h2"
    [(_, event)] = emitted(session, "contribution.recorded")
    assert event["hamlet_id"] == "h1" and event["flag"] is None


def test_a_neighbours_labour_is_flagged_when_the_rule_says_flag(session, clock, project):
    policy = FixturePolicy(labour={"other_hamlet": "flag"})
    entry = recording.record(session, policy, clock.now(), dict(LABOUR_R5))
    assert entry.hamlet_id == "h1"
    assert entry.flag["code"] == "other_hamlet" and entry.flag["rule"]["id"] == "labour.other_hamlet_flagged"
    assert "待核实" in entry.flag["reason"]
    [(_, event)] = emitted(session, "contribution.recorded")
    assert event["flag"]["rule"]["id"] == "labour.other_hamlet_flagged"
    own = recording.record(session, policy, clock.now(), {**LABOUR_R5, "resident_id": "r2"})
    assert own.flag is None  # h1's own resident is not flagged


def test_a_neighbours_labour_is_refused_when_the_rule_says_refuse(session, clock, project):
    policy = FixturePolicy(labour={"other_hamlet": "refuse"})
    with pytest.raises(PolicyRefused) as caught:
        recording.record(session, policy, clock.now(), dict(LABOUR_R5))
    assert caught.value.detail["rule"]["id"] == "labour.other_hamlet_refused"
    assert caught.value.detail["reason"].startswith("小组事小组上")
    assert emitted(session, "contribution.recorded") == []


def test_labour_on_a_village_project_is_recorded_for_everyone(session, policy, clock, roster_loaded):
    """全村事大家上: a village-wide project has no hamlet; anyone's labour on it is recorded,
    counted for the contributor's own hamlet (it was a 400 'project_hamlet_id: needed')."""
    projects.register_project(session, clock.now(), {
        "project_id": "pv", "name": "全村 跨河桥", "scope": "village", "village_id": "v1",
        "budget": Decimal("1000"), "mix": {"grant": Decimal("0"), "sponsor": Decimal("0"), "crowd": Decimal("1000")}})
    for resident, hamlet in (("r5", "h2"), ("r2", "h1")):
        entry = recording.record(session, policy, clock.now(), {**LABOUR_R5, "resident_id": resident,
                                                                 "project_id": "pv"})
        assert (entry.hamlet_id, entry.flag) == (hamlet, None)
    assert "project_hamlet_id" not in policy.decisions("labour")[0]


def test_a_project_without_party_member_or_cadre_first_is_flagged(session, policy, clock, project):
    for resident in ("r2", "r3"):  # neither a party member nor a cadre
        recording.record(session, policy, clock.now(), {"kind": "labour", "resident_id": resident, "project_id": "p1",
                                               "quantity": Decimal(3), "unit": "hours"})
    recording.record(session, policy, clock.now(), {"kind": "labour", "resident_id": "r2", "project_id": "p1",
                                           "quantity": Decimal(3), "unit": "hours"})
    assert [d["outcome"] for _, d in emitted(session, "project.labour_flagged")] == ["flag"]
    leadership = [d for d in policy.decisions("labour") if d["check"] == "leadership"]
    # r2's second day changes nobody's place among the first: the rule is not asked again
    assert [len(d["first_contributors"]) for d in leadership] == [1, 2]
    assert leadership[-1]["first_contributors"] == [{"party_member": False, "cadre": False}] * 2
    recording.record(session, policy, clock.now(), {"kind": "labour", "resident_id": "r1", "project_id": "p1",
                                           "quantity": Decimal(3), "unit": "hours"})
    flags = [d for _, d in emitted(session, "project.labour_flagged")]
    assert [d["outcome"] for d in flags] == ["flag", "ok"]
    assert flags[-1]["rule"]["id"] == "labour.leaders_first"
    assert session.get(models.Project, "p1").leadership == "ok"


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.decimals(min_value="0.01", max_value="99999.99", places=2),
                          st.sampled_from(["sponsor", "crowd"]), st.booleans()),
                min_size=1, max_size=8))
def test_totals_are_the_sum_of_what_stands(tmp_path_factory, entries):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('p') / 'c.sqlite'}")
    create_all(engine, Base.metadata)
    policy, clock = FixturePolicy(), FixedClock(__import__("datetime").datetime(2026, 5, 1))
    with session_factory(engine)() as session:
        roster.import_file(session, "r.csv", ROSTER.encode(), clock, policy)
        expected = Decimal("0.00")
        for amount, source, reverse in entries:
            entry = recording.record(session, policy, clock.now(), money("hh1", amount, source))
            if reverse:
                recording.reverse(session, policy, clock.now(), entry.id, "mistake")
            else:
                expected += amount
        assert Decimal(ledger.totals(session, {})["money"]["total"]) == expected
    engine.dispose()
