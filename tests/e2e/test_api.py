"""The HTTP API as a client sees it: the services as ``make run`` starts them (separate
processes), driven with ``requests`` through each service's route table.

One stack for the e2e layer; every test uses ids of its own, so the tests do not depend on each
other's data. Errors must arrive as the documented statuses:
ValidationFailed 400 with ``fields``, NotFound 404, IllegalTransition 409 with ``current`` and
``allowed``, PolicyRefused 422 with ``rule``; an unknown route 404, a wrong method 405.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from services.kernel import periods
from tests.e2e.conftest import cadre, expect, uid
from tests.support.identity import wait_for_places
from tests.support.wait import until

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "services" / "contributions" / "samples" / "wuguidun_roster.csv"


@pytest.fixture(scope="module")
def roster(api, stack, person):
    """The sample roster 花名册, imported through the API by each village's own cadre (a
    re-import changes nothing); the identity service has learnt its places when this returns."""
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    rows = 0
    for village in sorted({line.split(",")[2] for line in lines[1:] if line.strip()}):
        text = "\n".join([lines[0]] + [line for line in lines[1:] if f",{village}," in line]) + "\n"
        made = cadre(person, village).post(f"{api}/api/roster/imports", json={"filename": ROSTER.name, "content": text})
        assert made.status_code == 201, made.text
        rows += made.json()["rows"]
    wait_for_places({"AMQP_URI": stack.amqp_uri}, "v-wgd")
    return {"rows": rows}


# -- the gateway itself -----------------------------------------------------------------------

def test_unknown_routes_and_wrong_methods_answer_in_json(api):
    assert expect(requests.get(f"{api}/healthz"), 200) == {"status": "ok"}
    assert expect(requests.get(f"{api}/api/no/such/thing"), 404)["error"] == "not_found"
    wrong = expect(requests.delete(f"{api}/api/motions"), 405)
    assert wrong["error"] == "method_not_allowed" and set(wrong["allowed"]) >= {"GET", "POST"}
    not_json = requests.post(f"{api}/api/suggestions", data="{not json",
                             headers={"Content-Type": "application/json"})
    assert "_body" in expect(not_json, 400)["fields"]


# -- proposals 五字共谋 ---------------------------------------------------------------------------

def test_proposals_suggestion_motion_and_its_lifecycle(api, person):
    village, hamlet = uid("v"), uid("h")
    who = cadre(person, village)
    suggestion = expect(who.post(f"{api}/api/suggestions", json={
        "village_id": village, "hamlet_id": hamlet, "resident_id": "r-1", "household_id": "hh-1",
        "title": "整治老街 renovate the old street", "body": "We can give the old stones."}), 201)
    assert expect(who.get(f"{api}/api/suggestions/{suggestion['id']}"), 200)["title"] == suggestion["title"]
    listed = expect(who.get(f"{api}/api/suggestions", params={"village_id": village}), 200)
    assert [s["id"] for s in listed] == [suggestion["id"]]

    motion = expect(who.post(f"{api}/api/motions", json={
        "village_id": village, "hamlet_id": hamlet, "scope": "hamlet", "title": "老街整治",
        "estimated_budget": "12000", "contribution_kinds": ["money", "labour"],
        "suggestion_ids": [suggestion["id"]], "created_by": "head-1"}), 201)
    assert motion["state"] == "draft"
    raised = expect(who.post(f"{api}/api/motions/{motion['id']}/transitions",
                                  json={"action": "raise", "by": "head-1", "why": "residents asked"}), 200)
    assert raised["state"] == "raised"
    assert expect(who.get(f"{api}/api/motions/{motion['id']}"), 200)["state"] == "raised"
    assert motion["id"] in [m["id"] for m in expect(
        who.get(f"{api}/api/motions", params={"village_id": village}), 200)]

    # a step the lifecycle does not allow from here: 409 naming the state and the allowed steps
    illegal = expect(who.post(f"{api}/api/motions/{motion['id']}/transitions",
                                   json={"action": "start", "by": "head-1"}), 409)
    assert illegal["error"] == "illegal_transition"
    assert illegal["current"] == "raised" and illegal["allowed"] == ["deliberate", "withdraw"]

    bad = expect(who.post(f"{api}/api/motions", json={"scope": "galaxy", "estimated_budget": "x"}), 400)
    assert bad["error"] == "validation_failed"
    assert {"village_id", "scope", "title", "estimated_budget"} <= set(bad["fields"])
    assert "created_by" not in bad["fields"], "the creator is the caller, never asked for"
    bad_step = expect(who.post(f"{api}/api/motions/{motion['id']}/transitions",
                                    json={"action": "fly"}), 400)
    assert set(bad_step["fields"]) == {"action"}

    assert expect(who.get(f"{api}/api/motions/no-such-motion"), 404)["error"] == "not_found"
    assert expect(who.get(f"{api}/api/suggestions/no-such-suggestion"), 404)["error"] == "not_found"
    assert expect(who.get(f"{api}/api/motions/{motion['id']}/votes"), 200) == []


def test_proposals_reports_and_good_deeds(api, person):
    village = uid("v")
    who = cadre(person, village)
    report = expect(who.post(f"{api}/api/reports", json={
        "village_id": village, "resident_id": "r-7", "category": "ditch", "title": "Ditch blocked"}), 201)
    assigned = expect(who.post(f"{api}/api/reports/{report['id']}/assign", json={
        "assignee_type": "public_welfare_post", "assignee_id": "post-1", "by": "head-1"}), 200)
    assert assigned["state"] == "assigned"
    early = expect(who.post(f"{api}/api/reports/{report['id']}/confirm",
                                 json={"resident_id": "r-7", "satisfied": True}), 409)
    assert early["current"] == "assigned" and "resolve" in early["allowed"]

    # a deed is verified by someone other than its reporter (the hamlet head reports it)
    hamlet = uid("h")
    reporter = person("hamlet_head", f"hamlet:{hamlet}")
    deed = expect(reporter.post(f"{api}/api/good-deeds", json={
        "village_id": village, "hamlet_id": hamlet, "household_id": "hh-9", "resident_id": "r-9",
        "deed_code": "help_neighbour", "description": "helped rebuild a wall", "reported_by": "r-1"}), 201)
    verified = expect(who.post(f"{api}/api/good-deeds/{deed['id']}/verify",
                                    json={"verified_by": "cadre-1"}), 200)
    assert verified["state"] == "verified"
    assert expect(who.get(f"{api}/api/good-deeds/{deed['id']}"), 200)["state"] == "verified"


# -- contributions 四出共建 -----------------------------------------------------------------------

def test_contributions_roster_money_reversal_and_demolition(api, person, roster):
    who = cadre(person, "v-wgd")
    assert roster["rows"] > 0
    household = expect(who.get(f"{api}/api/households/wgd-1-02"), 200)
    assert household["household_id"] == "wgd-1-02"
    listed = expect(who.get(f"{api}/api/households", params={"hamlet_id": "wgd-1"}), 200)
    assert "wgd-1-02" in str(listed)
    assert expect(who.get(f"{api}/api/hamlets/wgd-1"), 200)

    project = expect(who.post(f"{api}/api/projects", json={
        "project_id": uid("p"), "name": "爱心超市 love supermarket", "scope": "village",
        "village_id": "v-wgd", "budget": "20000", "mix": {"grant": "0", "sponsor": "11000", "crowd": "9000"}}), 201)
    entry = expect(who.post(f"{api}/api/contributions", json={
        "kind": "money", "resident_id": "wgd-1-02-1", "amount": "2000", "source": "crowd",
        "project_id": project["project_id"], "note": "捐资爱心超市"}), 201)
    assert entry["kind"] == "money" and entry["household_id"] == "wgd-1-02"
    totals = expect(who.get(f"{api}/api/contributions/totals",
                                 params={"project_id": project["project_id"]}), 200)
    assert "2000" in str(totals["money"])

    reversal = expect(who.post(f"{api}/api/contributions/{entry['entry_id']}/reversal",
                                    json={"reason": "entered twice", "recorded_by": "wgd-1-01-1"}), 201)
    assert reversal["entry_id"] != entry["entry_id"]
    again = expect(who.get(f"{api}/api/contributions/{entry['entry_id']}"), 200)
    assert again["reversed_by"] == reversal["entry_id"]
    mine = expect(who.get(f"{api}/api/contributions", params={"project_id": project["project_id"]}), 200)
    assert {e["entry_id"] for e in (mine["items"] if isinstance(mine, dict) else mine)} == \
        {entry["entry_id"], reversal["entry_id"]}

    bad = expect(who.post(f"{api}/api/contributions", json={"kind": "gold", "amount": "-1"}), 400)
    assert "kind" in bad["fields"]
    assert expect(who.get(f"{api}/api/contributions/no-such-entry"), 404)["error"] == "not_found"
    expect(who.post(f"{api}/api/contributions/no-such-entry/reversal", json={"reason": "x"}), 404)

    demolition = expect(who.post(f"{api}/api/demolitions", json={
        "structure_type": "pigsty", "area_m2": "160", "household_id": "wgd-1-03",
        "demolished_on": datetime.now(timezone.utc).date().isoformat()}), 201)
    assert expect(who.get(f"{api}/api/demolitions/{demolition['demolition_id']}"), 200)
    refused = expect(who.post(
        f"{api}/api/demolitions/{demolition['demolition_id']}/compensation-claims",
        json={"amount": "8000", "claimant_id": "wgd-1-03-1"}), 422)
    assert refused["error"] == "policy_refused"
    assert refused["rule"]["id"] and refused["rule"]["version"]
    expect(who.post(f"{api}/api/demolitions/no-such-demolition/compensation-claims",
                         json={"amount": "1"}), 404)
    assert expect(who.get(f"{api}/api/parcels", params={"hamlet_id": "wgd-1"}), 200)


# -- scoring 双向共评 -----------------------------------------------------------------------------

def test_scoring_points_approval_balance_and_rankings(api, person, roster):
    who = cadre(person, "v-wgd")
    # scoring learns the roster's households from contributions' household.registered events
    until(lambda: who.get(f"{api}/api/scoring/households/wgd-1-04").status_code == 200,
          timeout=30, message="scoring to know household wgd-1-04")
    before = expect(who.get(f"{api}/api/households/wgd-1-04/balance"), 200)

    entry = expect(who.post(f"{api}/api/points", json={
        "household_id": "wgd-1-04", "resident_id": "wgd-1-04-1", "deed_code": "help_neighbour",
        "reason": "helped with the rice harvest", "recorded_by": "wgd-1-01-1"}), 201)
    assert entry["status"] == "pending" and entry["points"] > 0 and entry["rule"]["id"]
    assert expect(who.get(f"{api}/api/points/{entry['entry_id']}"), 200)["status"] == "pending"
    pending = expect(who.get(f"{api}/api/points",
                                  params={"household_id": "wgd-1-04", "status": "pending"}), 200)
    assert entry["entry_id"] in [e["entry_id"] for e in pending]

    approved = expect(who.post(f"{api}/api/points/approvals", json={
        "entry_ids": [entry["entry_id"]], "cadre_id": "wgd-1-01-1"}), 200)
    assert [e["status"] for e in approved] == ["approved"]
    after = expect(who.get(f"{api}/api/households/wgd-1-04/balance"), 200)
    assert after["spendable"] - before["spendable"] == entry["points"]

    quarter = periods.quarter_of(datetime.now(timezone.utc))
    board = expect(who.get(f"{api}/api/rankings", params={
        "level": "household", "period": quarter, "village_id": "v-wgd"}), 200)
    top = {row["household_id"]: row for row in board["rows"]}
    assert top["wgd-1-04"]["points"] >= entry["points"]

    bad = expect(who.get(f"{api}/api/rankings", params={"level": "galaxy", "period": quarter}), 400)
    assert "level" in bad["fields"]
    assert "household_id" in expect(who.post(f"{api}/api/points", json={}), 400)["fields"]
    assert expect(who.get(f"{api}/api/points/no-such-entry"), 404)["error"] == "not_found"
    expect(who.post(f"{api}/api/points", json={
        "household_id": "nobody", "deed_code": "help_neighbour", "reason": "x", "recorded_by": "c"}), 404)


# -- notifications 一体共享 -----------------------------------------------------------------------

def test_the_board_feed_shows_what_the_services_published(api, person):
    village = uid("v")
    who = cadre(person, village)
    suggestion = expect(who.post(f"{api}/api/suggestions", json={
        "village_id": village, "resident_id": "r-1", "title": "修桥 the bridge"}), 201)
    motion = expect(who.post(f"{api}/api/motions", json={
        "village_id": village, "scope": "village", "title": "修桥 the bridge", "estimated_budget": "280000",
        "created_by": "secretary"}), 201)
    expect(who.post(f"{api}/api/motions/{motion['id']}/transitions",
                         json={"action": "raise", "by": "secretary"}), 200)

    def mine():
        feed = expect(who.get(f"{api}/api/board/feed", params={"limit": 100}), 200)
        return [n for n in feed if suggestion["id"] in str(n)]
    notices = until(mine, timeout=30, message="the suggestion on the board feed")
    assert notices[0]["headline"] == "回音墙收到建议：修桥 the bridge"
    # a motion's workflow steps are the village's (audience "village"), not the public board's
    feed = expect(who.get(f"{api}/api/board/feed", params={"limit": 100}), 200)
    assert not [n for n in feed if motion["id"] in str(n)]
    assert all({"headline", "cause_type", "published_at"} <= set(n) for n in notices)
    assert len(expect(who.get(f"{api}/api/board/feed", params={"limit": 1}), 200)) == 1
    assert "limit" in expect(who.get(f"{api}/api/board/feed", params={"limit": "many"}), 400)["fields"]


# -- rules: the policy port, read-only -------------------------------------------------------

def test_policy_status_params_and_decisions(api, person):
    who = person("policy_staff", "county:*")
    status = expect(who.get(f"{api}/api/policy"), 200)
    areas = {f["policy"] for f in status["files"]}
    assert {"civility_points", "demolition"} <= areas

    params = expect(who.get(f"{api}/api/policy/civility_points"), 200)
    assert params["policy"] == "civility_points" and params["version"]

    decided = expect(who.post(f"{api}/api/policy/civility_points/decide",
                                   json={"deed_code": "help_neighbour"}), 200)
    assert decided["outcome"] == "award" and decided["values"]["points"] > 0
    assert decided["rule"]["policy"] == "civility_points" and decided["rule"]["version"] == params["version"]
    explained = expect(who.post(f"{api}/api/policy/civility_points/explain",
                                     json={"deed_code": "help_neighbour"}), 200)
    assert decided["rule"]["id"] in explained

    unknown = expect(who.get(f"{api}/api/policy/no_such_area"), 400)
    assert "area" in unknown["fields"]
    facts = expect(who.post(f"{api}/api/policy/civility_points/decide", json=["not", "facts"]), 400)
    assert facts["error"] == "validation_failed"
    expect(who.get(f"{api}/api/policy/civility_points/decide"), 405)


# -- management 三线共管: the operator's questions about a hamlet -----------------------------------

def test_management_who_is_responsible_and_what_is_open(api, roster, person):
    who_asks = cadre(person, "v-wgd")
    hamlet, area_id = "wgd-2", uid("wgd-2-lane")
    expect(who_asks.post(f"{api}/api/management/areas", json={
        "area_id": area_id, "village_id": "v-wgd", "hamlet_id": hamlet, "kind": "road", "name": "桂花垸 巷道"}), 201)
    post = expect(who_asks.post(f"{api}/api/management/posts", json={
        "village_id": "v-wgd", "hamlet_id": hamlet, "title": "桂花垸保洁员", "holder_resident_id": "wgd-2-02-1",
        "holder_name": "桂某", "duties": ["road_upkeep"], "area_id": area_id, "by": "wgd-2-01-1"}), 201)
    bad = expect(who_asks.post(f"{api}/api/management/posts", json={"village_id": "v-wgd"}), 400)
    assert {"title", "holder_name", "duties", "by"} <= set(bad["fields"])
    who = expect(who_asks.get(f"{api}/api/management/areas/{area_id}/responsible"), 200)
    assert [p["post_id"] for p in who["posts"]] == [post["post_id"]]
    group = expect(who_asks.post(f"{api}/api/management/bodies", json={
        "village_id": "v-wgd", "kind": "environment_supervision_group", "name": "人居环境监督小组",
        "term_start": "2024-01-01", "by": "wgd-2-01-1",
        "members": [{"resident_id": "wgd-2-03-1", "name": "监督员", "household_id": "wgd-2-03"}]}), 201)
    made = expect(who_asks.post(f"{api}/api/management/inspections", json={
        "body_id": group["body_id"], "hamlet_id": hamlet, "area_id": area_id, "inspectors": ["wgd-2-03-1"],
        "findings": [{"finding": "巷道杂草"}]}), 201)
    [order] = made["fix_orders"]
    assert order["responsible_id"] == post["post_id"] and order["rule"]["policy"] == "management"
    listed = expect(who_asks.get(f"{api}/api/management/fix-orders",
                                 params={"hamlet_id": hamlet, "open_only": "true"}), 200)
    assert [o["order_id"] for o in listed] == [order["order_id"]]
    assert expect(who_asks.get(f"{api}/api/management/fix-orders",
                               params={"hamlet_id": hamlet, "overdue": "true"}), 200) == []
    view = expect(who_asks.get(f"{api}/api/management/hamlets/{hamlet}"), 200)
    assert view["overdue_fix_orders"] == 0 and len(view["open_fix_orders"]) == 1
    assert any(a["area"]["area_id"] == area_id for a in view["areas"])
    assert view["participation"]["activities"].get("inspection", 0) >= 1
    secret = expect(who_asks.post(f"{api}/api/management/mediations", json={
        "village_id": "v-wgd", "parties": ["wgd-2-02-1", "wgd-2-04-1"], "mediators": ["wgd-2-01-1"],
        "summary": "邻里纠纷", "by": "wgd-2-01-1"}), 201)
    path = f"{api}/api/management/mediations/{secret['case_id']}"
    assert expect(who_asks.get(path, params={"viewer": "wgd-2-02-1"}), 200)["summary"] == "邻里纠纷"
    expect(who_asks.get(path, params={"viewer": "wgd-2-03-1"}), 404)


# -- every route: answers in the documented statuses, never a server error -------------------

def _every_route():
    from services.gateway.routing import load_routes
    return load_routes()


SCOPE_OF = {"resident": "household:wgd-1-02", "hub_household": "household:wgd-1-01",
            "hamlet_head": "hamlet:wgd-1", "village_cadre": "village:v-wgd", "supervisor": "village:v-wgd",
            "town_staff": "town:t-xx", "county_operator": "county:*", "policy_staff": "county:*",
            "integration": "county:*"}


@pytest.mark.parametrize("route", _every_route(), ids=lambda r: f"{r.method} {r.path}")
def test_every_route_answers_a_missing_object_or_empty_body_without_a_server_error(api, person, route):
    import re
    path = re.sub(r"<int:[^>]+>", "987654", route.path)
    path = re.sub(r"<[^>]+>", "no-such-id", path)
    role = "village_cadre" if route.access == "public" else route.access[0]  # someone it admits
    who = person(role, SCOPE_OF[role])
    response = who.request(route.method, api + path, json={} if route.body_param else None)
    assert response.status_code < 500, f"{route.method} {path}: {response.status_code} {response.text}"
    assert response.headers["Content-Type"].startswith("application/json")
