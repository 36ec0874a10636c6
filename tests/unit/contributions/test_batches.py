"""四出 in batches: a work day's labour list and a month's contributions, all rows or none."""
from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from services.contributions import models, projects, recording, schemas
from services.kernel import batches
from services.kernel.errors import PolicyRefused, ValidationFailed

from tests.support.db import emitted
from tests.support.policy import FixturePolicy

from .test_ledger import project  # noqa: F401  (fixture)


def rows(entries, **common):
    return batches.load_rows(schemas.ContributionIn(), entries, "entries", extra=common)


def test_a_labour_list_is_one_batch_event_and_one_rule_call(session, policy, clock, project):
    listed = rows([{"resident_id": "r2", "quantity": "1"}, {"resident_id": "r3", "quantity": "0.5"},
                   {"household_id": "hh4", "quantity": "1"}, {"resident_id": "r1", "quantity": "1"}],
                  kind="labour", project_id="p1", unit="days")
    written = recording.record_batch(session, policy, clock.now(), listed, recorded_by="cadre-1")
    assert [(w["household_id"], w["hours"]) for w in written] == [
        ("hh2", "8.00"), ("hh3", "4.00"), ("hh4", "8.00"), ("hh1", "8.00")]
    assert {w["village_id"] for w in written} == {"v1"}
    [(_, event)] = emitted(session, "contribution.batch_recorded")
    assert [e["entry_id"] for e in event["entries"]] == [w["entry_id"] for w in written]
    assert event["recorded_by"] == "cadre-1" and emitted(session, "contribution.recorded") == []
    eligibility = [d for d in policy.decisions("labour") if d["check"] == "eligibility"]
    assert len(eligibility) == 1  # four rows of one hamlet on one project: the same facts, asked once
    leadership = [d for d in policy.decisions("labour") if d["check"] == "leadership"]
    assert len(leadership) == 1 and len(leadership[0]["first_contributors"]) == 3
    project_row = session.get(models.Project, "p1")
    assert [f["person"] for f in project_row.first_contributors] == ["r2", "r3", "household:hh4"]
    assert all(f["entry_id"] for f in project_row.first_contributors)
    assert project_row.leadership == "flag"
    rate = session.get(models.Participation, ("h1", "2026Q2"))
    assert (rate.participating, rate.households) == (4, 4)


def test_more_labour_after_the_first_few_asks_the_rule_nothing(session, policy, clock, project):
    recording.record_batch(session, policy, clock.now(), rows(
        [{"resident_id": r, "quantity": "1"} for r in ("r1", "r2", "r3")], kind="labour", project_id="p1",
        unit="hours"))
    asked = len([d for d in policy.decisions("labour") if d["check"] == "leadership"])
    for resident in ("r4", "r2", "r1"):
        recording.record(session, policy, clock.now(), {"kind": "labour", "resident_id": resident,
                                                         "project_id": "p1", "quantity": Decimal(2), "unit": "hours"})
    assert len([d for d in policy.decisions("labour") if d["check"] == "leadership"]) == asked
    # reversing one of the first three reads the ledger again and asks again
    first = session.get(models.Project, "p1").first_contributors[0]["entry_id"]
    recording.reverse(session, policy, clock.now(), first, "wrong person")
    assert [f["person"] for f in session.get(models.Project, "p1").first_contributors] == ["r2", "r3", "r4"]
    assert len([d for d in policy.decisions("labour") if d["check"] == "leadership"]) == asked + 1


def test_a_bad_row_refuses_the_whole_batch_naming_row_and_field(session, policy, clock, project):
    with pytest.raises(ValidationFailed) as refused:
        recording.record_batch(session, policy, clock.now(), rows([
            {"kind": "money", "household_id": "hh1", "amount": "100", "source": "crowd"},
            {"kind": "money", "household_id": "nobody", "amount": "100", "source": "crowd"},
            {"kind": "labour", "household_id": "hh2", "quantity": "2", "unit": "hours"},
            {"kind": "people", "resident_id": "r1", "role": "volunteer", "amount": "5"}]), [2, 3, 4, 5])
    fields = refused.value.detail["fields"]
    assert sorted(fields) == ["entries.1.household_id", "entries.2.project_id", "entries.3.amount"]
    assert fields["entries.1.household_id"][0].startswith("第3行 household_id：")
    assert fields["entries.2.project_id"][0].startswith("第4行 project_id：")
    assert session.query(models.LedgerEntry).count() == 0 and emitted(session, "contribution.batch_recorded") == []


def test_one_row_refused_by_rule_refuses_the_batch(session, clock, project):
    policy = FixturePolicy(labour={"other_hamlet": "refuse"})
    with pytest.raises(PolicyRefused) as refused:
        recording.record_batch(session, policy, clock.now(), rows(
            [{"resident_id": "r1", "quantity": "1"}, {"resident_id": "r5", "quantity": "1"}],
            kind="labour", project_id="p1", unit="hours"))
    assert list(refused.value.detail["fields"]) == ["entries.1"]
    assert refused.value.detail["fields"]["entries.1"][0].startswith("第2行 household_id：")
    assert refused.value.detail["rule"]["id"] == "labour.other_hamlet_refused"
    assert session.query(models.LedgerEntry).count() == 0


def test_a_neighbours_labour_in_a_list_is_flagged_and_counted_for_the_projects_hamlet(session, clock, project):
    policy = FixturePolicy(labour={"other_hamlet": "flag"})
    written = recording.record_batch(session, policy, clock.now(), rows(
        [{"resident_id": "r1", "quantity": "1"}, {"resident_id": "r5", "quantity": "1"}],
        kind="labour", project_id="p1", unit="hours"))
    assert [w["hamlet_id"] for w in written] == ["h1", "h1"]
    [(_, event)] = emitted(session, "contribution.batch_recorded")
    assert event["entries"][0]["flag"] is None and event["entries"][1]["flag"]["code"] == "other_hamlet"


def test_a_months_contributions_from_an_uploaded_sheet(session, policy, clock, project):
    text = "类别,户号,金额,来源,项目,数量,单位\nmoney,hh1,300,crowd,p1,,\nlabour,hh2,,,p1,3,hours\n"
    found, lines = batches.uploaded_rows("may.csv", base64.b64encode(text.encode()).decode(), schemas.BATCH_COLUMNS)
    written = recording.record_batch(session, policy, clock.now(), rows(found), lines)
    assert [(w["kind"], w["amount"], w["hours"]) for w in written] == [("money", "300.00", None), ("labour", None, "3.00")]
    assert projects.progress(session, "p1")["raised"]["crowd"] == "300.00"


def test_participation_moves_by_one_households_change_and_equals_a_recount(session, policy, clock, project):
    from services.contributions import participation
    rule = participation.rules(policy)

    def stored():
        row = session.get(models.Participation, ("h1", "2026Q2"))
        return (row.participating, row.households) if row else (0, 4)

    def recount():
        measured = participation.measure(session, "h1", "2026Q2", rule["counts"])
        return measured["participating_households"], measured["roster_households"]

    one = recording.record(session, policy, clock.now(), {"kind": "money", "household_id": "hh1",
                                                          "amount": Decimal(10), "source": "crowd"})
    assert stored() == recount() == (1, 4)
    two = recording.record(session, policy, clock.now(), {"kind": "money", "household_id": "hh1",
                                                          "amount": Decimal(5), "source": "crowd"})
    assert stored() == recount() == (1, 4)  # the same household again: no change
    recording.record(session, policy, clock.now(), {"kind": "people", "resident_id": "r2", "role": "volunteer"})
    assert stored() == recount() == (2, 4)
    recording.reverse(session, policy, clock.now(), one.id, "wrong")
    assert stored() == recount() == (2, 4)  # hh1 still has its second entry
    recording.reverse(session, policy, clock.now(), two.id, "wrong too")
    assert stored() == recount() == (1, 4)
    rates = [d["participating_households"] for _, d in emitted(session, "participation.changed")]
    assert rates == [1, 2, 1]


def test_sponsor_rows_of_one_batch_are_held_to_the_plan_together(session, policy, clock, project):
    """能人出资 of 200 planned: two rows of 150 pass one by one, not together; nothing is saved."""
    with pytest.raises(ValidationFailed) as refused:
        recording.record_batch(session, policy, clock.now(), rows([
            {"kind": "money", "household_id": "hh1", "amount": "150", "source": "sponsor", "project_id": "p1"},
            {"kind": "money", "household_id": "hh2", "amount": "50", "source": "crowd", "project_id": "p1"},
            {"kind": "money", "household_id": "hh2", "amount": "150", "source": "sponsor", "project_id": "p1"}]),
            [2, 3, 4])
    fields = refused.value.detail["fields"]
    assert list(fields) == ["entries.2.amount"] and fields["entries.2.amount"][0].startswith("第4行 amount：")
    assert "300.00" in fields["entries.2.amount"][0] and "200.00" in fields["entries.2.amount"][0]
    assert session.query(models.LedgerEntry).count() == 0
    written = recording.record_batch(session, policy, clock.now(), rows([
        {"kind": "money", "household_id": "hh1", "amount": "150", "source": "sponsor", "project_id": "p1"},
        {"kind": "money", "household_id": "hh2", "amount": "50", "source": "sponsor", "project_id": "p1"}]))
    assert [w["amount"] for w in written] == ["150.00", "50.00"]
