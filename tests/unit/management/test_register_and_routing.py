"""组织领管: reports routed by the rule file to the post or body responsible; workload per post."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.kernel.errors import Conflict, ValidationFailed
from services.management import register, routing

from .conftest import HAMLET, START, VILLAGE, emitted, filed


def test_a_blocked_ditch_goes_to_the_roads_public_welfare_post(session, clock, policy, hamlet):
    row = routing.route(session, policy, clock.now(), filed(category="ditch"))
    session.commit()
    assert (row.assignee_type, row.assignee_id, row.state) == ("public_welfare_post", hamlet["post"].id, "open")
    assert row.rule_id == "management.route_road" and row.rule_version == 1
    [event] = emitted(session, "report.routed")
    assert event["assignee_id"] == hamlet["post"].id and "张师傅" in event["assignee_name"]
    assert event["rule"] == {"id": "management.route_road", "version": 1, "policy": "management"}


def test_the_same_report_is_routed_once(session, clock, policy, hamlet):
    routing.route(session, policy, clock.now(), filed())
    routing.route(session, policy, clock.now(), filed())
    assert len(emitted(session, "report.routed")) == 1


def test_disputes_go_to_the_mediation_council_and_the_rest_to_the_volunteer_team(session, clock, policy, hamlet):
    dispute = routing.route(session, policy, clock.now(), filed("rep-d", category="dispute"))
    other = routing.route(session, policy, clock.now(), filed("rep-o", category="elderly_care"))
    lamp = routing.route(session, policy, clock.now(), filed("rep-l", category="lamp"))   # no lamp post yet
    assert dispute.assignee_id == hamlet["council"].id
    assert other.assignee_id == hamlet["team"].id
    assert lamp.assignee_id == hamlet["team"].id and lamp.rule_id == "management.route_facility"


def test_nobody_responsible_leaves_it_unrouted_and_visible(session, clock, policy):
    row = routing.route(session, policy, clock.now(), filed(category="ditch"))
    assert row.state == "unrouted" and emitted(session, "report.routed") == []
    assert [a.report_id for a in routing.find(session, {"hamlet_id": HAMLET, "open_only": True})] == ["rep-1"]


def test_the_hamlets_own_post_first_then_the_least_loaded(session, clock, policy, hamlet):
    village_wide = register.register_post(session, clock.now(), {
        "village_id": VILLAGE, "title": "全村道路巡查", "holder_resident_id": "r-li", "holder_name": "李",
        "duties": ["road_upkeep"], "by": "cadre-1"})
    second = register.register_post(session, clock.now(), {
        "village_id": VILLAGE, "hamlet_id": HAMLET, "title": "三组第二保洁员", "holder_resident_id": "r-wang",
        "holder_name": "王", "duties": ["road_upkeep"], "by": "cadre-1"})
    first = routing.route(session, policy, clock.now(), filed("rep-1"))
    then = routing.route(session, policy, clock.now(), filed("rep-2"))
    assert {first.assignee_id, then.assignee_id} == {hamlet["post"].id, second.id}
    elsewhere = routing.route(session, policy, clock.now(), filed("rep-3", hamlet_id="g5"))
    assert elsewhere.assignee_id == village_wide.id


def test_workload_and_response_times_per_post(session, clock, policy, hamlet):
    post = hamlet["post"].id
    routing.route(session, policy, clock.now(), filed("rep-1"))
    routing.route(session, policy, clock.now(), filed("rep-2"))
    routing.resolved(session, policy, {"report_id": "rep-1", "at": START + timedelta(hours=6), "by": "r-zhang"})
    routing.confirmed(session, {"report_id": "rep-1", "at": START + timedelta(hours=8), "satisfied": True})
    clock.advance(hours=30)
    load = routing.workload(session, post, clock.now())
    assert (load["open"], load["closed"], load["median_response_hours"]) == (1, 1, 6.0)
    assert load["longest_waiting_hours"] == 30.0
    routing.confirmed(session, {"report_id": "rep-1", "at": clock.now(), "satisfied": False})   # reopened
    assert routing.workload(session, post, clock.now())["open"] == 2


def test_resolving_counts_for_the_post_holders_household(session, clock, policy, hamlet):
    routing.route(session, policy, clock.now(), filed())
    routing.resolved(session, policy, {"report_id": "rep-1", "at": clock.now(), "by": "r-zhang"})
    [took] = emitted(session, "co_management.took_part")
    assert (took["household_id"], took["kind"]) == (hamlet["post"].holder_household_id, "report_handled")


def test_who_is_responsible_for_this_road(session, hamlet):
    answer = register.responsible_for_area(session, "g3-g209")
    assert [p.holder_name for p in answer["posts"]] == ["张师傅"]
    assert answer["shared_by"] == hamlet["households"][:4]


def test_bodies_in_term_and_the_plaque_once(session, clock, hamlet):
    body = register.award_plaque(session, clock.now(), hamlet["group"].id, {"by": "驻村干部"})
    assert body.plaque_awarded_by == "驻村干部"
    [event] = emitted(session, "body.plaque_awarded")
    assert event["member_names"] == ["监督员一", "监督员二"]
    with pytest.raises(Conflict):
        register.award_plaque(session, clock.now(), hamlet["group"].id, {"by": "驻村干部"})
    assert register.bodies_for(session, VILLAGE, HAMLET, "mediation_council", date(2030, 1, 1))
    assert register.bodies_for(session, VILLAGE, HAMLET, "party_volunteer_team", date(2030, 1, 1)) == []


def test_a_term_ending_before_it_starts_is_refused(session, clock):
    with pytest.raises(ValidationFailed) as bad:
        register.register_body(session, clock.now(), {
            "village_id": VILLAGE, "kind": "villagers_council", "name": "村民议事会", "by": "c",
            "term_start": date(2024, 1, 1), "term_end": date(2023, 1, 1),
            "members": [{"resident_id": "r1", "name": "甲", "role": "member"}]})
    assert "term_end" in bad.value.detail["fields"]


def test_a_posts_duty_on_its_scheduled_days_counts_once(session, clock, policy, hamlet):
    post = hamlet["post"]   # scheduled monday and friday
    with pytest.raises(ValidationFailed) as bad:
        register.log_duty(session, policy, clock.now(), post.id, {"day": date(2024, 6, 4), "by": "r-zhang"})   # a Tuesday
    assert "day" in bad.value.detail["fields"]
    with pytest.raises(ValidationFailed):
        register.log_duty(session, policy, clock.now(), post.id, {"day": date(2024, 6, 7), "by": "r-zhang"})   # not yet
    register.log_duty(session, policy, clock.now(), post.id, {"day": date(2024, 6, 3), "by": "r-zhang", "note": "扫了沿线"})
    with pytest.raises(Conflict):
        register.log_duty(session, policy, clock.now(), post.id, {"day": date(2024, 6, 3), "by": "r-zhang"})
    assert [d.day for d in register.duty_days(session, post.id)] == [date(2024, 6, 3)]
    [took] = emitted(session, "co_management.took_part")
    assert (took["kind"], took["household_id"]) == ("post_duty", post.holder_household_id)
