"""The management service in its nameko container: events in from the bus, decisions by the
real rule files over RPC, events out through the outbox, errors naming their fields."""
from __future__ import annotations

import pytest

from services.kernel.errors import NotFound, ValidationFailed
from tests.support import wait
from tests.support.bus import publish

VILLAGE, HAMLET = "v-g209", "g3"


def register_households(uri, n=11, hub=None):
    ids = [f"g3-h{i:02d}" for i in range(n)]
    for i, household_id in enumerate(ids):
        publish(uri, "household.registered", {
            "household_id": household_id, "hamlet_id": HAMLET, "village_id": VILLAGE, "town_id": "t1",
            "head_name": "黄远福" if i == 3 else f"户主{i}", "party_member": i == 0,
            "hub_household_id": None if i == 0 else hub})
    return ids


def road_and_post(management):
    management.register_area(payload={"area_id": "g3-g209", "village_id": VILLAGE, "hamlet_id": HAMLET,
                                      "kind": "road", "name": "三组 G209 沿线"})
    return management.register_post(payload={
        "village_id": VILLAGE, "hamlet_id": HAMLET, "title": "三组道路保洁员", "holder_resident_id": "r-zhang",
        "holder_name": "张师傅", "duties": ["road_upkeep"], "area_id": "g3-g209", "schedule": ["friday"],
        "by": "cadre-1"})


def test_a_report_from_the_bus_is_routed_to_the_roads_post_and_its_workload_follows(management, service_config, sink):
    post = road_and_post(management)
    uri = service_config["AMQP_URI"]
    base = {"report_id": "rep-1", "village_id": VILLAGE, "hamlet_id": HAMLET, "at": "2024-06-07T08:00:00+00:00"}
    publish(uri, "report.filed", {**base, "resident_id": "r-res", "household_id": None, "category": "ditch",
                                  "title": "三岔口边沟堵了"})
    [routed] = sink.wait_for("report.routed")
    assert routed["assignee_id"] == post["post_id"] and routed["rule"]["id"] == "management.route_road"
    publish(uri, "report.resolved", {**base, "at": "2024-06-07T09:00:00+00:00", "by": "r-zhang", "note": "清了"})
    load = wait.until(lambda: (w := management.post_workload(post["post_id"]))["resolved"] and w,
                      message="the resolution reaches management")
    assert load["median_response_hours"] == 0.0 and load["open"] == 0
    answer = management.area_responsible("g3-g209")
    assert [p["holder_name"] for p in answer["posts"]] == ["张师傅"]


def test_households_from_the_roster_then_hub_links_and_coverage_by_rule(management, service_config):
    ids = register_households(service_config["AMQP_URI"], hub="g3-h00")
    wait.until(lambda: len(management.linkage_coverage(HAMLET)["unlinked_household_ids"]) == 11,
               message="households registered")
    management.form_party_group(payload={"village_id": VILLAGE, "hamlet_id": HAMLET,
                                         "leader_resident_id": "r-gl", "leader_name": "党小组长"})
    person = {"resident_id": "r-x", "name": "某"}
    management.elect_hub(payload={"household_id": "g3-h00", "party_member_id": "r-pm", "party_member_name": "党员李",
                                  "head": person, "eco_manager": person, "mediator": person, "by": "c"})
    cover = management.linkage_coverage(HAMLET)
    assert cover["complete"] and cover["hubs"][0]["households"] == 10 and cover["hubs"][0]["verdict"] == "ok"
    who = management.household_responsible(ids[3])
    assert who["hub"]["party_member_name"] == "党员李" and who["group"]["leader_name"] == "党小组长"


def test_errors_cross_rpc_naming_their_fields(management):
    with pytest.raises(ValidationFailed) as bad:
        management.register_post(payload={"village_id": VILLAGE, "title": "x", "holder_resident_id": "r",
                                          "holder_name": "甲", "duties": [], "by": "c"})
    assert "duties" in bad.value.detail["fields"]
    with pytest.raises(NotFound):
        management.get_facility("fac-nowhere")
    with pytest.raises(ValidationFailed) as bad:
        management.list_mediations(query={"viewer": "r-a"})
    assert "village_id" in bad.value.detail["fields"]


def test_cleaning_day_turnout_and_the_hamlet_overview(management, service_config, sink):
    ids = register_households(service_config["AMQP_URI"])
    wait.until(lambda: len(management.linkage_coverage(HAMLET)["unlinked_household_ids"]) == 11,
               message="households registered")
    [day] = management.schedule_cleaning_days(payload={"village_id": VILLAGE, "hamlet_ids": [HAMLET],
                                                       "start": "2024-06-03", "weeks": 1})
    assert day["day"] == "2024-06-07"
    result = management.record_turnout(day["cleaning_day_id"], payload={
        "turnout": {h: 1 for h in ids[:8]}, "by": "hub"})
    assert result["households_met"] == 8 and len(result["short"]) == 3
    assert len(sink.wait_for("co_management.took_part", count=8)) == 8
    view = management.hamlet_overview(HAMLET)
    assert view["participation"]["activities"] == {"cleaning_day": 8}
    assert view["participation"]["counted_households"] == 0   # half a point each: one Friday is not enough
