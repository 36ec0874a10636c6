"""1+10 党员联户: tiers, links naming the party member, coverage by rule, visits as evidence."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.kernel.errors import ValidationFailed
from services.management import linkage

from .conftest import HAMLET, VILLAGE, emitted, households


def roles():
    return {"head": {"resident_id": "r-hz", "name": "户长甲"},
            "eco_manager": {"resident_id": "r-eco", "name": "管理员乙"},
            "mediator": {"resident_id": "r-med", "name": "调解员丙"}}


@pytest.fixture
def group(session):
    return linkage.form_group(session, {"village_id": VILLAGE, "hamlet_id": HAMLET,
                                        "leader_resident_id": "r-gl", "leader_name": "党小组长"})


def elect(session, clock, household_id, member="r-pm1"):
    return linkage.elect_hub(session, clock.now(), {"household_id": household_id, "party_member_id": member,
                                              "party_member_name": "党员" + member[-1], "by": "c",
                                              "elected_at_meeting": "mtg-7", **roles()})


def test_a_hub_is_elected_with_its_three_roles_and_takes_over_the_rosters_links(session, clock, group):
    [hub_id] = households(session, clock, n=1, prefix="g3-hub")
    households(session, clock, n=10, hub=hub_id, prefix="g3-x")
    hub = elect(session, clock, hub_id)
    assert hub.head["name"] == "户长甲" and hub.eco_manager and hub.mediator and hub.elected_at_meeting == "mtg-7"
    assert len(linkage.linked_households(session, hub.household_id)) == 10
    who = linkage.responsible_for(session, "g3-x05")
    assert who["hub"].party_member_id == "r-pm1" and who["group"].leader_name == "党小组长"
    assert who["branch"] == f"{VILLAGE} 党支部"


def test_a_household_registered_after_its_hub_is_linked_too(session, clock, group):
    [hub_id] = households(session, clock, n=1, prefix="g3-hub")
    elect(session, clock, hub_id)
    households(session, clock, n=2, hub=hub_id, prefix="g3-late")
    assert [h.household_id for h in linkage.linked_households(session, hub_id)] == ["g3-late01", "g3-late02"]


def test_coverage_names_unlinked_households_and_flags_hubs_by_rule(session, clock, policy, group):
    ids = households(session, clock, n=22)
    elect(session, clock, ids[0], "r-pm1")
    elect(session, clock, ids[1], "r-pm2")
    linkage.link(session, clock.now(), ids[0], {"household_ids": ids[2:18], "by": "c"})   # 16: too many
    linkage.link(session, clock.now(), ids[1], {"household_ids": ids[18:21], "by": "c"})  # 3: too few
    cover = linkage.coverage(session, policy, HAMLET)
    assert cover["unlinked_household_ids"] == [ids[21]] and not cover["complete"]
    verdicts = {h["hub_household_id"]: (h["households"], h["verdict"]) for h in cover["hubs"]}
    assert verdicts == {ids[0]: (16, "too_many"), ids[1]: (3, "too_few")}
    assert {f["rule"]["id"] for f in cover["flagged"]} == {"management.hub_too_many", "management.hub_too_few"}
    linkage.link(session, clock.now(), ids[1], {"household_ids": ids[13:18] + ids[21:], "by": "c"})   # rebalance
    cover = linkage.coverage(session, policy, HAMLET)
    assert cover["complete"] and cover["flagged"] == []


def test_links_stay_inside_the_hamlet(session, clock, group):
    ids = households(session, clock, n=2)
    other = households(session, clock, hamlet="g4", n=1)
    elect(session, clock, ids[0])
    with pytest.raises(ValidationFailed) as bad:
        linkage.link(session, clock.now(), ids[0], {"household_ids": other, "by": "c"})
    assert "household_ids" in bad.value.detail["fields"]


def test_a_hub_needs_its_hamlets_party_group(session, clock):
    ids = households(session, clock, n=1)
    with pytest.raises(ValidationFailed):
        elect(session, clock, ids[0])


def test_visits_are_logged_as_evidence_and_overdue_ones_listed_by_rule(session, clock, policy, group):
    ids = households(session, clock, n=3)
    elect(session, clock, ids[0])
    linkage.link(session, clock.now(), ids[0], {"household_ids": ids[1:], "by": "c"})
    linkage.log_visit(session, policy, clock.now(), ids[0], {"household_id": ids[1], "note": "问了排水", "by": "r-pm1"})
    [event] = emitted(session, "contact_visit.logged")
    assert event["party_member_id"] == "r-pm1" and event["household_id"] == ids[1]
    assert [d["household_id"] for d in linkage.visits_due(session, policy, HAMLET, clock.now())] == [ids[2]]
    clock.advance(days=31)   # the rule: every 30 days
    assert len(linkage.visits_due(session, policy, HAMLET, clock.now())) == 2
    assert len(linkage.visits_of(session, "r-pm1", clock.now() - timedelta(days=183), None)) == 1
    with pytest.raises(ValidationFailed):
        linkage.log_visit(session, policy, clock.now(), ids[0], {"household_id": "g3-nowhere", "by": "r-pm1"})
