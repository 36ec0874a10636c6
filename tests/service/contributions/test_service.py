"""The contributions service in a nameko container on the real broker."""
from __future__ import annotations

import base64
import io
from datetime import datetime, timezone

import pytest
from openpyxl import Workbook

from services.kernel.errors import NotFound, PolicyRefused, ValidationFailed
from tests.support import bus, wait
from tests.unit.contributions.conftest import ROSTER


def test_roster_over_rpc_all_or_nothing(contributions):
    household = contributions.get_household("hh1")
    assert household["head_name"] == "张一" and household["party_member"] is True
    assert household["linked_household_ids"] == ["hh2", "hh3"]
    assert [r["resident_id"] for r in household["residents"]] == ["r1", "r1b"]
    again = contributions.import_roster({"filename": "roster.csv", "content": ROSTER})
    assert again["changed"] is False
    bad = ROSTER + "t1,xx镇,v1,伍桂墩村,h2,桂花垸,hh7,,r7,吴七,户主,否,,否\n" \
                   "t1,xx镇,v1,伍桂墩村,h2,桂花垸,hh8,,r8,郑八,户主,否,,sometimes\n"
    with pytest.raises(ValidationFailed) as caught:
        contributions.import_roster({"filename": "more.csv", "content": bad})
    assert caught.value.detail["fields"] == {"more.csv:10:cadre": ["“sometimes”不是 是/否"]}
    with pytest.raises(NotFound):
        contributions.get_household("hh7")  # line 9 was fine, yet nothing was applied


def test_xlsx_roster_as_base64(contributions):
    book = Workbook()
    for line in (ROSTER + "t1,xx镇,v1,伍桂墩村,h2,桂花垸,hh7,,r7,吴七,户主,否,,否\n").splitlines():
        book.active.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    result = contributions.import_roster({"filename": "roster.xlsx",
                                          "content_base64": base64.b64encode(buffer.getvalue()).decode()})
    assert result["created"]["households"] == 1 and result["unchanged"]["households"] == 6
    assert contributions.get_hamlet("h2")["households"] == 3


def test_ledger_reversal_and_errors(contributions):
    entry = contributions.record_contribution({"kind": "money", "household_id": "hh1", "amount": "280000.00",
                                               "source": "crowd", "note": "跨河大桥"})
    assert entry["amount"] == "280000.00" and entry["hamlet_id"] == "h1"
    contributions.record_contribution({"kind": "money", "household_id": "hh2", "amount": "0.01",
                                       "source": "crowd"})
    reversal = contributions.reverse_contribution(entry["entry_id"], {"reason": "belongs to hh3"})
    assert reversal["reversal_of"] == entry["entry_id"] and reversal["amount"] == "-280000.00"
    assert contributions.get_contribution(entry["entry_id"])["reversed_by"] == reversal["entry_id"]
    assert contributions.contribution_totals({"hamlet_id": "h1"})["money"]["total"] == "0.01"
    assert len(contributions.list_contributions({"household_id": "hh1"})) == 2
    with pytest.raises(ValidationFailed) as caught:
        contributions.record_contribution({"kind": "money", "household_id": "hh1", "amount": "-5",
                                           "source": "lottery", "colour": "red"})
    assert set(caught.value.detail["fields"]) == {"amount", "source", "colour"}
    with pytest.raises(NotFound):
        contributions.get_contribution("ce-missing")
    assert contributions.contribution_totals({"hamlet_id": "h1"})["entries"] == 3


def test_compensation_claim_is_refused_by_rule(contributions):
    demolition = contributions.register_demolition({
        "structure_type": "cowshed", "area_m2": "660", "household_id": "hh4", "demolished_on": "2026-05-02",
        "salvaged_items": [{"name": "磨盘 millstone", "count": 4}]})
    assert demolition["area_m2"] == "660.00" and len(demolition["salvage_entry_ids"]) == 1
    with pytest.raises(PolicyRefused) as caught:
        contributions.claim_compensation(demolition["demolition_id"], {"amount": "3000"})
    assert caught.value.detail["rule"]["id"] == "demolition.never_compensated"
    assert "拆违拆旧一律不补偿" in caught.value.detail["reason"]
    (parcel,) = contributions.list_parcels({"hamlet_id": "h1"})
    assert parcel["origin"] == "demolition" and parcel["land_use"] == "public"


def test_meeting_held_on_the_bus_moves_participation(contributions, service_config, sink):
    now = datetime.now(timezone.utc)
    data = {"meeting_id": "m1", "kind": "hamlet", "village_id": "v1", "hamlet_id": "h1",
            "held_at": now.isoformat(), "attendee_household_ids": ["hh2", "hh3"],
            "attendee_resident_ids": ["r5"]}
    bus.publish(service_config["AMQP_URI"], "meeting.held", data)
    h1 = wait.until(lambda: (p := contributions.get_participation("h1"))["participating_households"] and p,
                    message="participation of h1")
    assert (h1["participating_households"], h1["roster_households"], h1["rate"]) == (2, 4, 0.5)
    assert contributions.get_participation("h2")["rate"] == 0.5
    changed = {d["hamlet_id"]: d for d in sink.wait_for("participation.changed", 2)}
    assert (changed["h1"]["rate"], changed["h2"]["rate"]) == (0.5, 0.5)
    # the same event delivered again is applied once
    bus.publish(service_config["AMQP_URI"], "meeting.held", data)
    activity = {"activity_id": "a1", "kind": "learn", "village_id": "v1", "hamlet_id": None,
                "held_at": now.isoformat(), "attendee_household_ids": ["hh4"], "attendee_resident_ids": []}
    bus.publish(service_config["AMQP_URI"], "activity.held", activity)
    wait.until(lambda: contributions.get_participation("h1")["participating_households"] == 3,
               message="the activity counted")
    assert len(sink.events("participation.changed")) == 3


def test_funding_round_through_the_rules_service(with_rules, sink):
    rpc = with_rules
    if True:
        for pid, hamlet in (("p1", "h1"), ("p2", "h2")):
            rpc.register_project({"project_id": pid, "name": pid, "scope": "hamlet", "village_id": "v1",
                                  "hamlet_id": hamlet, "budget": "1000",
                                  "mix": {"grant": "500", "sponsor": "200", "crowd": "300"}})
        rpc.record_contribution({"kind": "money", "household_id": "hh5", "amount": "300", "source": "crowd",
                                 "project_id": "p2"})
        rpc.record_contribution({"kind": "money", "household_id": "hh1", "amount": "10", "source": "crowd",
                                 "project_id": "p1"})
        rpc.open_funding_round({"round_id": "r1", "name": "2026 春", "level": "town", "area_id": "t1",
                                "budget": "1000"})
        low = rpc.submit_funding_request("r1", {"project_id": "p1", "amount": "500"})
        high = rpc.submit_funding_request("r1", {"project_id": "p2", "amount": "500"})
        rpc.close_funding_round("r1", {})
        (closed,) = sink.wait_for("funding_round.closed")
        assert set(closed) == {"round_id", "budget", "closed_at", "requests"}
        assert {r["request_id"]: r["participation_rate"] for r in closed["requests"]} == {
            low["request_id"]: 0.25, high["request_id"]: 0.5}
    allocated = wait.until(lambda: (r := rpc.get_funding_round("r1"))["status"] == "allocated" and r,
                           message="the allocation applied")
    by_id = {r["request_id"]: r for r in allocated["requests"]}
    assert (by_id[high["request_id"]]["rank"], by_id[high["request_id"]]["granted"]) == (1, "500.00")
    assert by_id[high["request_id"]]["grant_status"] == "released"
    # p1's crowd share is 10/1000 < 0.1: its 500 stays held until residents give more
    assert (by_id[low["request_id"]]["granted"], by_id[low["request_id"]]["grant_status"]) == ("500.00", "held")
    assert allocated["rule"]["id"] == "funding.allocate" and allocated["remaining"] == "0.00"
    p2 = rpc.get_project("p2")
    assert p2["raised"] == {"grant": "500.00", "sponsor": "0.00", "crowd": "300.00"}
    rpc.record_contribution({"kind": "money", "household_id": "hh2", "amount": "90", "source": "crowd",
                             "project_id": "p1"})
    assert rpc.get_project("p1")["raised"]["grant"] == "500.00"
    allocated_events = {d["request_id"]: d["status"] for d in sink.wait_for("funding.allocated", 2)}
    assert allocated_events == {high["request_id"]: "released", low["request_id"]: "held"}
    (released,) = sink.wait_for("grant.released")
    assert released["request_id"] == low["request_id"]


def test_a_labour_list_against_the_real_rules_service(with_rules, sink):
    """One command, one eligibility call to the rules service, one batch event on the bus."""
    with_rules.register_project({"project_id": "p-lane", "name": "修巷", "scope": "hamlet", "village_id": "v1",
                                 "hamlet_id": "h1", "budget": "100", "mix": {"grant": "0", "sponsor": "0", "crowd": "100"}})
    written = with_rules.record_batch({"kind": "labour", "project_id": "p-lane", "unit": "days",
                                       "recorded_by": "cadre-1",
                                       "entries": [{"household_id": h, "quantity": "1"} for h in ("hh2", "hh3", "hh1")]})
    assert [(w["household_id"], w["hours"]) for w in written] == [("hh2", "8.00"), ("hh3", "8.00"), ("hh1", "8.00")]
    [event] = sink.wait_for("contribution.batch_recorded")
    assert [e["entry_id"] for e in event["entries"]] == [w["entry_id"] for w in written]
    assert with_rules.get_project("p-lane")["leadership"] == "ok"  # hh1's head, a party member, among the first three
    with pytest.raises(ValidationFailed) as refused:  # one unknown household: the list is kept whole
        with_rules.record_batch({"kind": "labour", "project_id": "p-lane", "unit": "hours",
                                 "entries": [{"household_id": "hh4", "quantity": "2"}, {"household_id": "hh9", "quantity": "2"}]})
    assert list(refused.value.detail["fields"]) == ["entries.1.household"]
    assert with_rules.list_contributions({"household_id": "hh4"}) == []
    # hh5 lives in h2: its labour on h1's project is recorded, counted for h1 (other_hamlet: allow)
    [neighbour] = with_rules.record_batch({"kind": "labour", "project_id": "p-lane", "unit": "hours",
                                           "entries": [{"household_id": "hh5", "quantity": "2"}]})
    assert neighbour["hamlet_id"] == "h1"
