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
from tests.e2e.conftest import expect, uid
from tests.support.wait import until

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "services" / "contributions" / "samples" / "wuguidun_roster.csv"


@pytest.fixture(scope="module")
def roster(api):
    """The sample roster 花名册, imported through the API (idempotent: a re-import changes nothing)."""
    made = requests.post(f"{api}/api/roster/imports", json={
        "filename": ROSTER.name, "content": ROSTER.read_text(encoding="utf-8")})
    assert made.status_code == 201, made.text
    return made.json()


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

def test_proposals_suggestion_motion_and_its_lifecycle(api):
    village, hamlet = uid("v"), uid("h")
    suggestion = expect(requests.post(f"{api}/api/suggestions", json={
        "village_id": village, "hamlet_id": hamlet, "resident_id": "r-1", "household_id": "hh-1",
        "title": "整治老街 renovate the old street", "body": "We can give the old stones."}), 201)
    assert expect(requests.get(f"{api}/api/suggestions/{suggestion['id']}"), 200)["title"] == suggestion["title"]
    listed = expect(requests.get(f"{api}/api/suggestions", params={"village_id": village}), 200)
    assert [s["id"] for s in listed] == [suggestion["id"]]

    motion = expect(requests.post(f"{api}/api/motions", json={
        "village_id": village, "hamlet_id": hamlet, "scope": "hamlet", "title": "老街整治",
        "estimated_budget": "12000", "contribution_kinds": ["money", "labour"],
        "suggestion_ids": [suggestion["id"]], "created_by": "head-1"}), 201)
    assert motion["state"] == "draft"
    raised = expect(requests.post(f"{api}/api/motions/{motion['id']}/transitions",
                                  json={"action": "raise", "by": "head-1", "why": "residents asked"}), 200)
    assert raised["state"] == "raised"
    assert expect(requests.get(f"{api}/api/motions/{motion['id']}"), 200)["state"] == "raised"
    assert motion["id"] in [m["id"] for m in expect(
        requests.get(f"{api}/api/motions", params={"village_id": village}), 200)]

    # a step the lifecycle does not allow from here: 409 naming the state and the allowed steps
    illegal = expect(requests.post(f"{api}/api/motions/{motion['id']}/transitions",
                                   json={"action": "start", "by": "head-1"}), 409)
    assert illegal["error"] == "illegal_transition"
    assert illegal["current"] == "raised" and illegal["allowed"] == ["deliberate", "withdraw"]

    bad = expect(requests.post(f"{api}/api/motions", json={"scope": "galaxy", "estimated_budget": "x"}), 400)
    assert bad["error"] == "validation_failed"
    assert {"village_id", "scope", "title", "estimated_budget", "created_by"} <= set(bad["fields"])
    bad_step = expect(requests.post(f"{api}/api/motions/{motion['id']}/transitions",
                                    json={"action": "fly"}), 400)
    assert set(bad_step["fields"]) == {"action", "by"}

    assert expect(requests.get(f"{api}/api/motions/no-such-motion"), 404)["error"] == "not_found"
    assert expect(requests.get(f"{api}/api/suggestions/no-such-suggestion"), 404)["error"] == "not_found"
    assert expect(requests.get(f"{api}/api/motions/{motion['id']}/votes"), 200) == []


def test_proposals_reports_and_good_deeds(api):
    village = uid("v")
    report = expect(requests.post(f"{api}/api/reports", json={
        "village_id": village, "resident_id": "r-7", "category": "ditch", "title": "Ditch blocked"}), 201)
    assigned = expect(requests.post(f"{api}/api/reports/{report['id']}/assign", json={
        "assignee_type": "public_welfare_post", "assignee_id": "post-1", "by": "head-1"}), 200)
    assert assigned["state"] == "assigned"
    early = expect(requests.post(f"{api}/api/reports/{report['id']}/confirm",
                                 json={"resident_id": "r-7", "satisfied": True}), 409)
    assert early["current"] == "assigned" and "resolve" in early["allowed"]

    deed = expect(requests.post(f"{api}/api/good-deeds", json={
        "village_id": village, "hamlet_id": uid("h"), "household_id": "hh-9", "resident_id": "r-9",
        "deed_code": "help_neighbour", "description": "helped rebuild a wall", "reported_by": "r-1"}), 201)
    verified = expect(requests.post(f"{api}/api/good-deeds/{deed['id']}/verify",
                                    json={"verified_by": "cadre-1"}), 200)
    assert verified["state"] == "verified"
    assert expect(requests.get(f"{api}/api/good-deeds/{deed['id']}"), 200)["state"] == "verified"


# -- contributions 四出共建 -----------------------------------------------------------------------

def test_contributions_roster_money_reversal_and_demolition(api, roster):
    assert roster["rows"] > 0
    household = expect(requests.get(f"{api}/api/households/wgd-1-02"), 200)
    assert household["household_id"] == "wgd-1-02"
    listed = expect(requests.get(f"{api}/api/households", params={"hamlet_id": "wgd-1"}), 200)
    assert "wgd-1-02" in str(listed)
    assert expect(requests.get(f"{api}/api/hamlets/wgd-1"), 200)

    project = expect(requests.post(f"{api}/api/projects", json={
        "project_id": uid("p"), "name": "爱心超市 love supermarket", "scope": "village",
        "village_id": "v-wgd", "budget": "20000", "mix": {"grant": "0", "sponsor": "11000", "crowd": "9000"}}), 201)
    entry = expect(requests.post(f"{api}/api/contributions", json={
        "kind": "money", "resident_id": "wgd-1-02-1", "amount": "2000", "source": "crowd",
        "project_id": project["project_id"], "note": "捐资爱心超市"}), 201)
    assert entry["kind"] == "money" and entry["household_id"] == "wgd-1-02"
    totals = expect(requests.get(f"{api}/api/contributions/totals",
                                 params={"project_id": project["project_id"]}), 200)
    assert "2000" in str(totals["money"])

    reversal = expect(requests.post(f"{api}/api/contributions/{entry['entry_id']}/reversal",
                                    json={"reason": "entered twice", "recorded_by": "wgd-1-01-1"}), 201)
    assert reversal["entry_id"] != entry["entry_id"]
    again = expect(requests.get(f"{api}/api/contributions/{entry['entry_id']}"), 200)
    assert again["reversed_by"] == reversal["entry_id"]
    mine = expect(requests.get(f"{api}/api/contributions", params={"project_id": project["project_id"]}), 200)
    assert {e["entry_id"] for e in (mine["items"] if isinstance(mine, dict) else mine)} == \
        {entry["entry_id"], reversal["entry_id"]}

    bad = expect(requests.post(f"{api}/api/contributions", json={"kind": "gold", "amount": "-1"}), 400)
    assert "kind" in bad["fields"]
    assert expect(requests.get(f"{api}/api/contributions/no-such-entry"), 404)["error"] == "not_found"
    expect(requests.post(f"{api}/api/contributions/no-such-entry/reversal", json={"reason": "x"}), 404)

    demolition = expect(requests.post(f"{api}/api/demolitions", json={
        "structure_type": "pigsty", "area_m2": "160", "household_id": "wgd-1-03",
        "demolished_on": datetime.now(timezone.utc).date().isoformat()}), 201)
    assert expect(requests.get(f"{api}/api/demolitions/{demolition['demolition_id']}"), 200)
    refused = expect(requests.post(
        f"{api}/api/demolitions/{demolition['demolition_id']}/compensation-claims",
        json={"amount": "8000", "claimant_id": "wgd-1-03-1"}), 422)
    assert refused["error"] == "policy_refused"
    assert refused["rule"]["id"] and refused["rule"]["version"]
    expect(requests.post(f"{api}/api/demolitions/no-such-demolition/compensation-claims",
                         json={"amount": "1"}), 404)
    assert expect(requests.get(f"{api}/api/parcels", params={"hamlet_id": "wgd-1"}), 200)


# -- scoring 双向共评 -----------------------------------------------------------------------------

def test_scoring_points_approval_balance_and_rankings(api, roster):
    # scoring learns the roster's households from contributions' household.registered events
    until(lambda: requests.get(f"{api}/api/scoring/households/wgd-1-04").status_code == 200,
          timeout=30, message="scoring to know household wgd-1-04")
    before = expect(requests.get(f"{api}/api/households/wgd-1-04/balance"), 200)

    entry = expect(requests.post(f"{api}/api/points", json={
        "household_id": "wgd-1-04", "resident_id": "wgd-1-04-1", "deed_code": "help_neighbour",
        "reason": "helped with the rice harvest", "recorded_by": "wgd-1-01-1"}), 201)
    assert entry["status"] == "pending" and entry["points"] > 0 and entry["rule"]["id"]
    assert expect(requests.get(f"{api}/api/points/{entry['entry_id']}"), 200)["status"] == "pending"
    pending = expect(requests.get(f"{api}/api/points",
                                  params={"household_id": "wgd-1-04", "status": "pending"}), 200)
    assert entry["entry_id"] in [e["entry_id"] for e in pending]

    approved = expect(requests.post(f"{api}/api/points/approvals", json={
        "entry_ids": [entry["entry_id"]], "cadre_id": "wgd-1-01-1"}), 200)
    assert [e["status"] for e in approved] == ["approved"]
    after = expect(requests.get(f"{api}/api/households/wgd-1-04/balance"), 200)
    assert after["spendable"] - before["spendable"] == entry["points"]

    quarter = periods.quarter_of(datetime.now(timezone.utc))
    board = expect(requests.get(f"{api}/api/rankings", params={
        "level": "household", "period": quarter, "village_id": "v-wgd"}), 200)
    top = {row["household_id"]: row for row in board["rows"]}
    assert top["wgd-1-04"]["points"] >= entry["points"]

    bad = expect(requests.get(f"{api}/api/rankings", params={"level": "galaxy", "period": quarter}), 400)
    assert "level" in bad["fields"]
    assert "household_id" in expect(requests.post(f"{api}/api/points", json={}), 400)["fields"]
    assert expect(requests.get(f"{api}/api/points/no-such-entry"), 404)["error"] == "not_found"
    expect(requests.post(f"{api}/api/points", json={
        "household_id": "nobody", "deed_code": "help_neighbour", "reason": "x", "recorded_by": "c"}), 404)


# -- notifications 一体共享 -----------------------------------------------------------------------

def test_the_board_feed_shows_what_the_services_published(api):
    village = uid("v")
    motion = expect(requests.post(f"{api}/api/motions", json={
        "village_id": village, "scope": "village", "title": "修桥 the bridge", "estimated_budget": "280000",
        "created_by": "secretary"}), 201)
    expect(requests.post(f"{api}/api/motions/{motion['id']}/transitions",
                         json={"action": "raise", "by": "secretary"}), 200)

    def mine():
        feed = expect(requests.get(f"{api}/api/board/feed", params={"limit": 100}), 200)
        return [n for n in feed if motion["id"] in str(n)]
    notices = until(mine, timeout=30, message="the raised motion on the board feed")
    assert all({"headline", "cause_type", "published_at"} <= set(n) for n in notices)
    assert len(expect(requests.get(f"{api}/api/board/feed", params={"limit": 1}), 200)) == 1
    assert "limit" in expect(requests.get(f"{api}/api/board/feed", params={"limit": "many"}), 400)["fields"]


# -- rules: the policy port, read-only -------------------------------------------------------

def test_policy_status_params_and_decisions(api):
    status = expect(requests.get(f"{api}/api/policy"), 200)
    areas = {f["policy"] for f in status["files"]}
    assert {"civility_points", "demolition"} <= areas

    params = expect(requests.get(f"{api}/api/policy/civility_points"), 200)
    assert params["policy"] == "civility_points" and params["version"]

    decided = expect(requests.post(f"{api}/api/policy/civility_points/decide",
                                   json={"deed_code": "help_neighbour"}), 200)
    assert decided["outcome"] == "award" and decided["values"]["points"] > 0
    assert decided["rule"]["policy"] == "civility_points" and decided["rule"]["version"] == params["version"]
    explained = expect(requests.post(f"{api}/api/policy/civility_points/explain",
                                     json={"deed_code": "help_neighbour"}), 200)
    assert decided["rule"]["id"] in explained

    unknown = expect(requests.get(f"{api}/api/policy/no_such_area"), 400)
    assert "area" in unknown["fields"]
    facts = expect(requests.post(f"{api}/api/policy/civility_points/decide", json=["not", "facts"]), 400)
    assert facts["error"] == "validation_failed"
    expect(requests.get(f"{api}/api/policy/civility_points/decide"), 405)


# -- every route: answers in the documented statuses, never a server error -------------------

def _every_route():
    from services.gateway.routing import load_routes
    return load_routes()


@pytest.mark.parametrize("route", _every_route(), ids=lambda r: f"{r.method} {r.path}")
def test_every_route_answers_a_missing_object_or_empty_body_without_a_server_error(api, route):
    import re
    path = re.sub(r"<int:[^>]+>", "987654", route.path)
    path = re.sub(r"<[^>]+>", "no-such-id", path)
    response = requests.request(route.method, api + path, json={} if route.body_param else None)
    assert response.status_code < 500, f"{route.method} {path}: {response.status_code} {response.text}"
    assert response.headers["Content-Type"].startswith("application/json")
