"""Issue 16's policy choices in the contributions container: a neighbour's labour flagged when
the labour rule says so, labour on a village-wide project recorded, the 四个一律 register and
parcels linked to projects over RPC, and the urgency proposals announces weighing the funding
ranking through the real rules service when the funding rule gives urgency a weight."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.contributions.service import ContributionsService
from services.kernel.errors import Conflict
from services.kernel.nameko_ext import topology
from services.rules.service import RulesService
from tests.support import bus, wait
from tests.support import policy as fixture
from tests.unit.contributions.conftest import ROSTER


@pytest.fixture
def policy():
    return fixture.FixturePolicy(labour={"other_hamlet": "flag"})


def _project(rpc, pid, scope="hamlet", hamlet="h1", motion=None):
    return rpc.register_project({"project_id": pid, "name": pid, "scope": scope, "village_id": "v1",
                                 **({"hamlet_id": hamlet} if scope == "hamlet" else {}),
                                 **({"motion_id": motion} if motion else {}), "budget": "1000",
                                 "mix": {"grant": "0", "sponsor": "0", "crowd": "1000"}})


def test_labour_flag_village_labour_register_and_parcels(contributions, sink):
    rpc = contributions
    _project(rpc, "p1")
    _project(rpc, "bridge", scope="village")
    flagged = rpc.record_contribution({"kind": "labour", "resident_id": "r5", "project_id": "p1",
                                       "quantity": "4", "unit": "hours"})
    assert flagged["hamlet_id"] == "h1" and flagged["flag"]["rule"]["id"] == "labour.other_hamlet_flagged"
    village = rpc.record_contribution({"kind": "labour", "resident_id": "r5", "project_id": "bridge",
                                       "quantity": "1", "unit": "days"})
    assert (village["hamlet_id"], village["hours"], village["flag"]) == ("h2", "8.00", None)
    recorded = sink.wait_for("contribution.recorded", 2)
    assert recorded[0]["flag"]["code"] == "other_hamlet"

    pigsty = rpc.list_structure({"structure_type": "pigsty", "household_id": "hh2", "location": "屋后"})
    assert (pigsty["must_remove"], pigsty["status"]) == (True, "standing")
    assert [s["structure_id"] for s in rpc.list_structures({"status": "standing"})] == [pigsty["structure_id"]]
    removed = rpc.register_demolition({"structure_id": pigsty["structure_id"], "area_m2": "18",
                                       "demolished_on": "2026-05-02", "project_id": "p1"})
    assert removed["structure_id"] == pigsty["structure_id"]
    assert rpc.get_structure(pigsty["structure_id"])["status"] == "removed"
    assert rpc.list_structures({"status": "standing"}) == []
    [parcel] = rpc.list_parcels({"hamlet_id": "h1"})
    assert parcel["project_id"] == "p1"
    with pytest.raises(Conflict):
        rpc.assign_parcel(parcel["parcel_id"], {"project_id": "bridge"})
    assert [d["status"] for d in sink.wait_for("structure.listed", 2)] == ["standing", "removed"]


def test_urgency_weighs_the_ranking_when_the_funding_rule_says_so(container_factory, service_config, sink):
    rules = fixture.FixturePolicy(funding={"urgency_weight": 0.5})
    service_config["RULES_DIR"] = str(rules.directory)
    topology.apply(service_config["AMQP_URI"], [ContributionsService, RulesService])
    container_factory(RulesService, service_config).start()
    container_factory(ContributionsService, service_config).start()
    with ServiceRpcProxy("contributions", service_config) as rpc:
        rpc.import_roster({"filename": "roster.csv", "content": ROSTER})
        _project(rpc, "busy", hamlet="h1", motion="mot-busy")
        _project(rpc, "urgent", hamlet="h2", motion="mot-urgent")
        for household in ("hh1", "hh2", "hh3"):   # h1 takes part: 3 of 4 households
            rpc.record_contribution({"kind": "money", "household_id": household, "amount": "10", "source": "crowd",
                                     "project_id": "busy"})
        bus.publish(service_config["AMQP_URI"], "motion.urgency_changed", {
            "motion_id": "mot-urgent", "village_id": "v1", "hamlet_id": "h2", "endorsing_households": 2,
            "at": datetime.now(timezone.utc).isoformat()})
        wait.until(lambda: rpc.get_project("urgent")["endorsing_households"] == 2,
                   message="the urgency announced by proposals applied")
        rpc.open_funding_round({"round_id": "r1", "name": "2026 秋", "level": "town", "area_id": "t1",
                                "budget": "500"})
        rpc.submit_funding_request("r1", {"project_id": "busy", "amount": "500"})
        rpc.submit_funding_request("r1", {"project_id": "urgent", "amount": "500"})
        rpc.close_funding_round("r1", {})
        allocated = wait.until(lambda: (r := rpc.get_funding_round("r1"))["status"] == "allocated" and r,
                               message="the allocation applied")
    by_project = {r["project_id"]: r for r in allocated["requests"]}
    # participation 0.75 vs 0; urgency 0 vs 1 (2 of h2's 2 households): 0.375 < 0.5, urgent first
    assert (by_project["urgent"]["urgency"], by_project["urgent"]["rank"], by_project["urgent"]["funded"]) == (1.0, 1, True)
    assert by_project["busy"]["funded"] is False
