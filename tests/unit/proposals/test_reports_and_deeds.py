"""大事小事我来提 reports and 好人好事 good deeds."""
from __future__ import annotations

import pytest

from services.kernel.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from services.kernel.events import get
from services.proposals import good_deeds, reports

from .conftest import events, tx

REPORT = {"village_id": "wuguidun", "hamlet_id": "g3", "resident_id": "r1", "household_id": "h1",
          "category": "lamp", "title": "Broken lamp at the bridge", "location": "cross-river bridge"}


def test_report_assigned_resolved_and_confirmed_by_its_reporter(session, clock):
    report = tx(session, reports.file, clock.now(), REPORT)
    with pytest.raises(IllegalTransition) as err:
        tx(session, reports.resolve, clock.now(), report.id, {"by": "x"})
    assert err.value.detail["allowed"] == ["assign"]
    tx(session, reports.assign, clock.now(), report.id, {"assignee_type": "volunteer_team",
                                                   "assignee_id": "party-volunteers", "by": "secretary"})
    tx(session, reports.resolve, clock.now(), report.id, {"by": "party-volunteers", "note": "bulb replaced"})
    with pytest.raises(Conflict):
        tx(session, reports.confirm, clock.now(), report.id, {"resident_id": "someone-else", "satisfied": True})
    tx(session, reports.confirm, clock.now(), report.id, {"resident_id": "r1", "satisfied": False,
                                                    "comment": "still flickers"})
    assert reports.get(session, report.id).state == "assigned"          # reopened
    tx(session, reports.resolve, clock.now(), report.id, {"by": "party-volunteers", "note": "fitting replaced"})
    tx(session, reports.confirm, clock.now(), report.id, {"resident_id": "r1", "satisfied": True})
    stored = reports.get(session, report.id)
    assert stored.state == "confirmed" and stored.confirmed_at == clock.now()
    assert [h["action"] for h in stored.history] == ["file", "assign", "resolve", "reopen", "resolve", "confirm"]
    assert [t for t, _ in events(session) if t.startswith("report.")] == [
        "report.filed", "report.assigned", "report.resolved", "report.confirmed",
        "report.resolved", "report.confirmed"]


def test_a_report_routed_by_management_is_assigned_unless_a_cadre_was_first(session, clock):
    routed = {"assignee_type": "public_welfare_post", "assignee_id": "post-g3-road", "assignee_name": "三组道路保洁员",
              "rule": {"id": "management.route_road", "version": 1}}
    report = tx(session, reports.file, clock.now(), REPORT)
    tx(session, reports.routed, clock.now(), {"report_id": report.id, **routed})
    stored = reports.get(session, report.id)
    assert (stored.state, stored.assignee_id) == ("assigned", "post-g3-road")
    assert "management.route_road" in stored.history[-1]["why"]
    by_hand = tx(session, reports.file, clock.now(), REPORT)
    tx(session, reports.assign, clock.now(), by_hand.id, {"assignee_type": "body", "assignee_id": "mediation-council",
                                                    "by": "secretary"})
    tx(session, reports.routed, clock.now(), {"report_id": by_hand.id, **routed})
    assert reports.get(session, by_hand.id).assignee_id == "mediation-council"


def test_verified_good_deed_becomes_the_points_event(session, clock, policy):
    deed = tx(session, good_deeds.report, policy, clock.now(), {
        "village_id": "wuguidun", "hamlet_id": "g3", "household_id": "h-huang", "resident_id": "huang-yuanfu",
        "deed_code": "filial_piety", "description": "cares for his bedridden mother", "reported_by": "r7"})
    with pytest.raises(Conflict):
        tx(session, good_deeds.verify, clock.now(), deed.id, {"verified_by": "r7"})
    tx(session, good_deeds.verify, clock.now(), deed.id, {"verified_by": "secretary"})
    [(_, verified)] = events(session, "good_deed.verified")
    assert verified == {"deed_id": deed.id, "household_id": "h-huang", "resident_id": "huang-yuanfu",
                        "hamlet_id": "g3", "deed_code": "filial_piety",
                        "description": "cares for his bedridden mother", "verified_by": "secretary"}
    get("good_deed.verified").schema().load(verified)
    with pytest.raises(IllegalTransition):
        tx(session, good_deeds.reject, clock.now(), deed.id, {"rejected_by": "secretary", "why": "changed my mind"})
    with pytest.raises(NotFound):
        tx(session, good_deeds.verify, clock.now(), "deed-nope", {"verified_by": "secretary"})


def test_rejected_good_deed_gives_no_points(session, clock, policy):
    deed = tx(session, good_deeds.report, policy, clock.now(), {
        "village_id": "wuguidun", "hamlet_id": "g3", "household_id": "h1", "deed_code": "help_neighbour",
        "reported_by": "r1"})
    tx(session, good_deeds.reject, clock.now(), deed.id, {"rejected_by": "secretary", "why": "not verifiable"})
    assert events(session, "good_deed.verified") == []
    assert good_deeds.get(session, deed.id).state == "rejected"


def test_a_good_deed_with_an_unknown_code_is_refused_with_the_valid_codes(session, clock, policy):
    with pytest.raises(ValidationFailed) as refused:
        tx(session, good_deeds.report, policy, clock.now(), {
            "village_id": "wuguidun", "hamlet_id": "g3", "household_id": "h1", "deed_code": "help_neighbor",
            "reported_by": "r1"})
    [message] = refused.value.detail["fields"]["deed_code"]
    assert message.startswith("事项代码 'help_neighbor' 不在乡风文明积分目录")
    assert "help_neighbour（邻里互助）" in message and "filial_piety（孝老爱亲）" in message
    assert "help_neighbour" in refused.value.detail["valid"] and "litter" not in refused.value.detail["valid"]
    assert events(session, "good_deed.reported") == []


def test_a_deed_added_to_the_catalogue_is_accepted_without_code(session, clock):
    from tests.support.policy import FixturePolicy
    policy = FixturePolicy(civility_points={"deeds": {
        **FixturePolicy().params("civility_points")["params"]["deeds"],
        "plant_trees": {"label": "义务植树", "points": 4, "cap_per_period": 12}}})
    deed = tx(session, good_deeds.report, policy, clock.now(), {
        "village_id": "wuguidun", "hamlet_id": "g3", "household_id": "h1", "deed_code": "plant_trees",
        "reported_by": "r1"})
    assert deed.deed_code == "plant_trees"
