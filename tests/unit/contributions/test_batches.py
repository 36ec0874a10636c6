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


def test_a_batch_moves_participation_by_its_new_households_and_equals_a_recount(session, policy, clock, project):
    """Batches count incrementally (participation.count_batch): after every step of a mix of
    batches, single entries, reversals and meetings — households repeated within and across
    batches, two hamlets, two quarters — the stored count is what a full recount finds."""
    from datetime import datetime, timezone

    from services.contributions import participation
    rule = participation.rules(policy)
    july = datetime(2026, 7, 15, 2, 0, tzinfo=timezone.utc)

    def stored():
        return {(row.hamlet_id, row.period): row.participating
                for row in session.query(models.Participation).populate_existing()}

    def recount():
        found = {}
        for hamlet_id in ("h1", "h2"):
            for period in ("2026Q2", "2026Q3"):
                part = participation.measure(session, hamlet_id, period, rule["counts"])["participating_households"]
                if part:
                    found[(hamlet_id, period)] = part
        return found

    def batch(now, *households):
        return recording.record_batch(session, policy, now, rows(
            [{"household_id": h, "amount": "10"} for h in households], kind="money", source="crowd"))

    def check(expected):
        assert stored() == recount() == expected

    first = batch(clock.now(), "hh1", "hh1", "hh2", "hh5")  # nothing stored yet: counted in full
    check({("h1", "2026Q2"): 2, ("h2", "2026Q2"): 1})
    recording.record(session, policy, clock.now(), {"kind": "people", "resident_id": "r3", "role": "volunteer"})
    check({("h1", "2026Q2"): 3, ("h2", "2026Q2"): 1})
    second = batch(clock.now(), "hh1", "hh3", "hh4", "hh6", "hh4")  # only hh4 and hh6 are new
    check({("h1", "2026Q2"): 4, ("h2", "2026Q2"): 2})
    fours = [w["entry_id"] for w in second if w["household_id"] == "hh4"]
    recording.reverse(session, policy, clock.now(), fours[0], "twice by mistake")
    check({("h1", "2026Q2"): 4, ("h2", "2026Q2"): 2})  # hh4 keeps its other entry
    recording.reverse(session, policy, clock.now(), fours[1], "not hh4 at all")
    check({("h1", "2026Q2"): 3, ("h2", "2026Q2"): 2})
    for entry in first:
        if entry["household_id"] == "hh5":
            recording.reverse(session, policy, clock.now(), entry["entry_id"], "wrong hamlet book")
    check({("h1", "2026Q2"): 3, ("h2", "2026Q2"): 1})
    batch(clock.now(), "hh4", "hh5", "hh2")  # hh4 and hh5 had only reversed entries: they count again
    check({("h1", "2026Q2"): 4, ("h2", "2026Q2"): 2})
    # next quarter: a meeting first, then a batch where only the households not at the meeting are new
    participation.record_attendance(session, policy, "meeting", "m7", july, ["hh2", "hh6"], [])
    check({("h1", "2026Q2"): 4, ("h2", "2026Q2"): 2, ("h1", "2026Q3"): 1, ("h2", "2026Q3"): 1})
    batch(july, "hh2", "hh1", "hh6", "hh1")
    check({("h1", "2026Q2"): 4, ("h2", "2026Q2"): 2, ("h1", "2026Q3"): 2, ("h2", "2026Q3"): 1})
    batch(july, "hh3", "hh4", "hh5", "hh6")
    check({("h1", "2026Q2"): 4, ("h2", "2026Q2"): 2, ("h1", "2026Q3"): 4, ("h2", "2026Q3"): 2})
    moved = [d["participating_households"] for _, d in emitted(session, "participation.changed")
             if d["hamlet_id"] == "h1" and d["period"] == "2026Q2"]
    assert moved == [2, 3, 4, 3, 4]  # every change announced once, no-change batches silent


def test_under_a_rule_that_counts_only_meetings_a_batch_moves_nothing(session, clock, project):
    from services.contributions import participation
    policy = FixturePolicy(participation={"counts": ["meeting"], "window": "quarter"})
    participation.record_attendance(session, policy, "meeting", "m1", clock.now(), ["hh1"], [])
    recording.record_batch(session, policy, clock.now(), rows(
        [{"household_id": h, "amount": "10"} for h in ("hh2", "hh3")], kind="money", source="crowd"))
    row = session.get(models.Participation, ("h1", "2026Q2"))
    assert (row.participating, row.households) == (1, 4)
    assert participation.measure(session, "h1", "2026Q2", ["meeting"])["participating_households"] == 1
