"""全民共管: cleaning days on the rule's weekday, turnout per household, 我来帮, mediation privacy,
and how co-management moves a hamlet's participation (weights from rules/participation.yaml)."""
from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
import yaml

from services.kernel.errors import Conflict, NotFound, ValidationFailed
from services.management import everyone, facilities, mediation, overview, participation, routing, supervision
from services.rules.engine import PolicyBook, rules_dir

from .conftest import HAMLET, START, VILLAGE, emitted, filed


def friday_cleaning(session, policy, clock):
    [day] = everyone.schedule(session, policy, {"village_id": VILLAGE, "hamlet_ids": [HAMLET],
                                                "start": START.date(), "weeks": 1})
    return day


def test_cleaning_days_fall_on_fridays_by_rule(session, policy):
    days = everyone.schedule(session, policy, {"village_id": VILLAGE, "hamlet_ids": [HAMLET, "g4"],
                                               "start": date(2024, 6, 3), "weeks": 3})
    assert {d.day.weekday() for d in days} == {4} and len(days) == 6
    assert min(d.day for d in days) == date(2024, 6, 7)
    again = everyone.schedule(session, policy, {"village_id": VILLAGE, "hamlet_ids": [HAMLET],
                                                "start": date(2024, 6, 3), "weeks": 1})
    assert again[0].id == days[0].id   # scheduling twice does not duplicate


def test_turnout_per_household_against_at_least_one_each(session, clock, policy, hamlet):
    day = friday_cleaning(session, policy, clock)
    ids = hamlet["households"]
    with pytest.raises(ValidationFailed):   # not yet Friday
        everyone.record_turnout(session, policy, clock.now(), day.id, {"turnout": {ids[0]: 1}, "by": "hub"})
    clock.advance(days=4)
    with pytest.raises(ValidationFailed) as bad:
        everyone.record_turnout(session, policy, clock.now(), day.id, {"turnout": {"g9-h1": 1}, "by": "hub"})
    assert "turnout" in bad.value.detail["fields"]
    everyone.record_turnout(session, policy, clock.now(), day.id,
                            {"turnout": {h: (2 if i < 9 else 0) for i, h in enumerate(ids)}, "by": "hub"})
    result = everyone.turnout(session, policy, day.id)
    assert (result["households"], result["households_met"], result["people"]) == (12, 9, 18)
    assert result["short"] == ids[9:] and result["min_people_per_household"] == 1
    assert len(emitted(session, "co_management.took_part")) == 9


def test_help_sign_ups_and_labour_recorded_once(session, clock, policy, hamlet):
    call = everyone.call(session, clock.now(), {"village_id": VILLAGE, "hamlet_id": HAMLET, "kind": "flood",
                                          "title": "四组三岔口边沟清淤", "by": "书记"})
    everyone.sign_up(session, clock.now(), call.id, {"resident_id": "r-a", "household_id": hamlet["households"][3]})
    with pytest.raises(Conflict):
        everyone.sign_up(session, clock.now(), call.id, {"resident_id": "r-a", "household_id": hamlet["households"][3]})
    with pytest.raises(ValidationFailed):
        everyone.record_labour(session, policy, clock.now(), call.id, {"resident_id": "r-nobody", "hours": 3, "by": "书记"})
    everyone.record_labour(session, policy, clock.now(), call.id, {"resident_id": "r-a", "hours": 3, "by": "书记"})
    [given] = emitted(session, "help.given")
    assert (given["hours"], given["kind"], given["household_id"]) == ("3.0", "flood", hamlet["households"][3])
    with pytest.raises(Conflict):
        everyone.record_labour(session, policy, clock.now(), call.id, {"resident_id": "r-a", "hours": 3, "by": "书记"})


def test_a_mediation_case_is_seen_only_by_its_parties_and_mediators(session, clock):
    case = mediation.open_case(session, clock.now(), {"village_id": VILLAGE, "hamlet_id": HAMLET,
                                                "parties": ["r-a", "r-b"], "mediators": ["r-med"],
                                                "level": "hub_mediator", "summary": "宅基地边界", "by": "r-med"})
    assert mediation.get(session, case.id, "r-a").summary == "宅基地边界"
    with pytest.raises(NotFound):
        mediation.get(session, case.id, "r-nosy")
    assert mediation.find(session, VILLAGE, "r-nosy") == []
    with pytest.raises(ValidationFailed):   # a party cannot push it on
        mediation.refer(session, clock.now(), case.id, {"level": "mediation_council", "mediators": ["r-c"], "by": "r-a"})
    mediation.refer(session, clock.now(), case.id, {"level": "mediation_council", "mediators": ["r-elder"], "by": "r-med"})
    with pytest.raises(ValidationFailed):   # only upward
        mediation.refer(session, clock.now(), case.id, {"level": "hub_mediator", "mediators": ["r-x"], "by": "r-elder"})
    with pytest.raises(ValidationFailed):
        mediation.conclude(session, clock.now(), case.id, {"outcome": "agreed", "by": "r-elder"})
    done = mediation.conclude(session, clock.now(), case.id, {"outcome": "agreed", "agreement": "以老墙为界",
                                                        "follow_up_at": date(2024, 7, 1), "by": "r-elder"})
    assert done.state == "agreed" and [h["action"] for h in done.history] == ["open", "refer", "agreed"]
    assert [c.id for c in mediation.find(session, VILLAGE, "r-elder")] == [case.id]


def test_co_management_moves_the_participation_rate_by_the_rule_weights(session, clock, policy, hamlet):
    ids = hamlet["households"]
    for week in range(2):
        [day] = everyone.schedule(session, policy, {"village_id": VILLAGE, "hamlet_ids": [HAMLET],
                                                    "start": START.date() + timedelta(weeks=week), "weeks": 1})
        clock.at = START + timedelta(weeks=week, days=4)
        # three households both Fridays, three only the first: half a point each time
        everyone.record_turnout(session, policy, clock.now(), day.id,
                                {"turnout": {h: 1 for h in (ids[:6] if week == 0 else ids[:3])}, "by": "hub"})
    view = participation.hamlet_view(session, policy, HAMLET, clock.now())
    assert view["period"] == "2024Q2" and view["roster_households"] == 12
    assert view["counted_household_ids"] == ids[:3] and view["co_management_rate"] == 0.25
    assert view["activities"] == {"cleaning_day": 9} and view["scores"][ids[4]] == 0.5
    counted = emitted(session, "co_management.counted")   # once each, when the second Friday lifts it to 1
    assert sorted(c["household_id"] for c in counted) == ids[:3]
    assert {(c["period"], c["score"], c["rule"]["id"]) for c in counted} == {("2024Q2", 1.0, "participation.co_management")}


def test_the_weights_are_the_policy_staffs(session, clock, hamlet, tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    text = yaml.safe_load((folder / "participation.yaml").read_text())
    text["params"]["co_management"]["weights"]["cleaning_day"] = 1
    (folder / "participation.yaml").write_text(yaml.safe_dump(text, allow_unicode=True))
    book = PolicyBook(folder)
    day = friday_cleaning(session, book, clock)
    clock.advance(days=4)
    everyone.record_turnout(session, book, clock.now(), day.id, {"turnout": {hamlet["households"][0]: 1}, "by": "h"})
    assert participation.hamlet_view(session, book, HAMLET, clock.now())["counted_households"] == 1


def test_the_hamlet_overview_answers_the_operators_questions(session, clock, policy, hamlet):
    lamps = facilities.register(session, clock.now(), {"village_id": VILLAGE, "hamlet_id": HAMLET, "kind": "street_lamp",
                                                 "name": "三组路灯", "quantity": 12, "custodian_resident_id": "r-z",
                                                 "custodian_name": "张", "by": "c"})
    task = facilities.add_task(session, lamps.id, {"title": "换灯泡", "due_at": clock.now() + timedelta(days=1)})
    routing.route(session, policy, clock.now(), filed("rep-1"))
    routing.route(session, policy, clock.now(), filed("rep-2", category="dispute"))
    supervision.inspect(session, policy, clock.now(), {"body_id": hamlet["group"].id, "hamlet_id": HAMLET,
                                                 "inspectors": ["r-s1"],
                                                 "findings": [{"finding": "垃圾", "area_id": "g3-g209"}]})
    clock.advance(hours=25)
    view = overview.hamlet(session, policy, HAMLET, clock.now())
    [road] = view["areas"]
    assert road["area"].id == "g3-g209" and [p.holder_name for p in road["posts"]] == ["张师傅"]
    assert {b.kind for b in view["bodies"]} >= {"mediation_council", "environment_supervision_group"}
    assert len(view["open_reports"]) == 2 and view["overdue_reports"] == 2   # the 24-hour report deadline
    assert view["overdue_fix_orders"] == 0 and len(view["open_fix_orders"]) == 1
    clock.advance(days=3)
    later = overview.hamlet(session, policy, HAMLET, clock.now())
    assert later["overdue_fix_orders"] == 1 and [t.id for t in later["overdue_upkeep_tasks"]] == [task.id]
    assert [f.name for f in view["facilities"]] == ["三组路灯"]
    assert view["linkage"]["unlinked_household_ids"] == hamlet["households"]
    assert view["participation"]["counted_household_ids"] == [hamlet["households"][1]]   # the inspector
