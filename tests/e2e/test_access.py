"""Who may call what, walked as a matrix against the stack as ``make run`` starts it (issue 11).

Two villages are on the roster: 伍桂墩村 ``v-wgd`` (town ``t-xx``) and a copy of it,
``v-far`` (town ``t-yy``). Every role gets a token scoped to the first ("in scope") and one
scoped to the second ("out of scope"); the county's roles cover both.

1. **Roles**: every route × anonymous and every role → 401 without identity on anything but
   the public routes; 403 naming the allowed roles when the route's ``access`` leaves the role
   out; otherwise the request reaches the service (whatever it then answers).
2. **Scope**: for the objects of each service (households, balances, points, motions,
   contributions, meetings, rosters) × every role the route admits × the object in scope and
   out of scope → the success status or 403; lists leave out what is out of scope.
3. **The actor is the caller**: the rules of issue 11, each with the case that must be refused.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import pytest
import requests

from services.gateway.routing import load_routes
from services.kernel.identity import PUBLIC, ROLES
from tests.support.identity import issue, session
from tests.support.stack import ROOT
from tests.support.wait import until

pytestmark = pytest.mark.e2e

ROUTES = load_routes()
_LINES = (ROOT / "services" / "contributions" / "samples" / "wuguidun_roster.csv").read_text(encoding="utf-8").splitlines()
SAMPLE = "\n".join([_LINES[0]] + [line for line in _LINES[1:] if ",v-wgd," in line]) + "\n"  # 伍桂墩村 only
FAR = (SAMPLE.replace("t-xx", "t-yy").replace("xx镇", "yy镇").replace("v-wgd", "v-far")
       .replace("伍桂墩村", "远山村").replace("wgd-", "far-"))

# in scope (v-wgd) and out of scope (v-far) for every role; wgd-1-02 is linked to hub wgd-1-01
SCOPES = {
    "resident": ("household:wgd-1-02", "household:far-1-02"),
    "hub_household": ("household:wgd-1-01", "household:far-1-01"),
    "hamlet_head": ("hamlet:wgd-1", "hamlet:far-1"),
    "village_cadre": ("village:v-wgd", "village:v-far"),
    "town_staff": ("town:t-xx", "town:t-yy"),
    "county_operator": ("county:*", "county:*"),
    "policy_staff": ("county:*", "county:*"),
    "supervisor": ("village:v-wgd", "village:v-far"),
    "integration": ("village:v-wgd", "village:v-far"),
}
COUNTY = {"county_operator", "policy_staff"}


@pytest.fixture(scope="module")
def world(stack):
    base, config = stack.url, {"AMQP_URI": stack.amqp_uri}
    tokens = {role: {where: issue(config, role, scope)["token"]
                     for where, scope in zip(("in", "out"), scopes)}
              for role, scopes in SCOPES.items()}
    world = {"base": base, "config": config, "tokens": tokens, "stack": stack}
    for text, village in ((SAMPLE, "v-wgd"), (FAR, "v-far")):
        cadre = session(base, issue(config, "village_cadre", f"village:{village}")["token"])
        made = cadre.post(f"{base}/api/roster/imports", json={"filename": f"{village}.csv", "content": text})
        assert made.status_code == 201, made.text
    # identity and scoring learn the households from the roster's events
    hub = session(base, tokens["hub_household"]["in"])
    until(lambda: hub.get(f"{base}/api/scoring/households/wgd-1-03").status_code == 200, timeout=60,
          message="identity to link wgd-1-03 to its hub and scoring to know it")
    town = session(base, tokens["town_staff"]["in"])
    until(lambda: town.get(f"{base}/api/households/far-1-02/balance").status_code == 403 and
          town.get(f"{base}/api/households/wgd-1-02/balance").status_code == 200, timeout=60,
          message="town staff to reach a household of its town")
    return world


def as_(world, role, where="in"):
    return session(world["base"], world["tokens"][role][where] if role else None)


def concrete(path: str) -> str:
    path = re.sub(r"<int:[^>]+>", "987654", path)
    return re.sub(r"<[^>]+>", "no-such-id", path)


def _route_id(route):
    return f"{route.method} {route.path}"


# -- 1. roles: every route × every role ---------------------------------------------------------

@pytest.mark.parametrize("route", ROUTES, ids=_route_id)
def test_every_route_admits_exactly_its_declared_roles(world, route):
    url = world["base"] + concrete(route.path)
    body = {} if route.body_param else None
    anonymous = requests.request(route.method, url, json=body)
    if route.access == PUBLIC:
        assert anonymous.status_code not in (401, 403), anonymous.text
    else:
        assert anonymous.status_code == 401, f"anonymous: {anonymous.status_code} {anonymous.text}"
        assert anonymous.json()["error"] == "unauthenticated"
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    for role in ROLES:
        answer = as_(world, role).request(route.method, url, json=body)
        refused_by_role = answer.status_code == 403 and answer.json().get("allowed_roles") == sorted(route.access)
        if route.access == PUBLIC or role in route.access:
            assert answer.status_code != 401 and not refused_by_role, \
                f"{role} should reach {route.service}.{route.rpc_method}: {answer.status_code} {answer.text}"
            assert answer.status_code < 500, f"{role}: {answer.status_code} {answer.text}"
        else:
            assert refused_by_role, f"{role} must be refused 403: {answer.status_code} {answer.text}"


def test_an_operator_issues_lists_and_revokes_a_token_with_the_command_line(world):
    """The README's story: ``cocreate tokens issue`` prints the token once, the cadre uses it,
    ``cocreate tokens revoke`` ends it (the gateway trusts a verified token 2 s at most)."""
    base, stack = world["base"], world["stack"]
    for header in ["Bearer cct_nope_nothing", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer"]:
        answer = requests.get(f"{base}/api/motions", headers={"Authorization": header})
        assert answer.status_code == 401, (header, answer.text)
    issued = stack.cocreate("tokens", "issue", "--name", "伍桂墩村 张书记", "--role", "village_cadre",
                            "--scope", "village:v-wgd", "--home", "wgd-1-01", "--expires", "30")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert token.startswith("cct_") and "shown once" in issued.stderr.lower()
    token_id = token[len("cct_"):].split("_", 1)[0]
    cadre = session(base, token)
    assert cadre.get(f"{base}/api/motions").status_code == 200
    listed = stack.cocreate("tokens", "list")
    assert token_id in listed.stdout and "active" in listed.stdout and token not in listed.stdout
    assert "张书记" in listed.stdout
    revoked = stack.cocreate("tokens", "revoke", token_id)
    assert revoked.returncode == 0, revoked.stderr
    until(lambda: cadre.get(f"{base}/api/motions").status_code == 401, timeout=10,
          message="the revoked token refused")
    assert "revoked" in stack.cocreate("tokens", "list").stdout


# -- 2. scope: objects in and out of the caller's scope -----------------------------------------

def _expect_scope(world, route_roles, method, path, ok, body=None, roles=None):
    """Every admitted role: ``ok`` with its in-scope token, 403 with its out-of-scope one
    (the county's roles reach both)."""
    for role in roles or route_roles:
        for where in ("in", "out"):
            answer = as_(world, role, where).request(method, world["base"] + path, json=body)
            expected = ok if (where == "in" or role in COUNTY) else 403
            assert answer.status_code == expected, f"{role} ({where} of scope) {method} {path}: " \
                                                   f"{answer.status_code} {answer.text}"


def _access(rpc_method, service=None):
    return next(r.access for r in ROUTES if r.rpc_method == rpc_method and (service is None or r.service == service))


def test_households_and_balances_in_and_out_of_scope(world):
    for path, rpc, service in [("/api/households/wgd-1-02", "get_household", "contributions"),
                               ("/api/scoring/households/wgd-1-02", "get_household", "scoring"),
                               ("/api/households/wgd-1-02/balance", "get_balance", "scoring")]:
        _expect_scope(world, _access(rpc, service), "GET", path, 200)


def test_a_hamlet_and_its_participation_in_and_out_of_scope(world):
    # a hamlet is village-wide: every role of the village reaches it, nobody of the other village
    _expect_scope(world, _access("get_hamlet"), "GET", "/api/hamlets/wgd-1", 200)


def test_lists_leave_out_what_is_out_of_scope(world):
    for role in ("village_cadre", "supervisor", "town_staff", "integration", "hamlet_head"):
        listed = as_(world, role, "out").get(f"{world['base']}/api/households", params={"limit": 500})
        assert listed.status_code == 200
        assert listed.json() and not [h for h in listed.json() if h["village_id"] == "v-wgd"], role
    own = as_(world, "resident").get(f"{world['base']}/api/households", params={"limit": 500}).json()
    assert [h["household_id"] for h in own] == ["wgd-1-02"]
    hub = as_(world, "hub_household").get(f"{world['base']}/api/households", params={"limit": 500}).json()
    linked = {line.split(",")[6] for line in SAMPLE.splitlines()[1:] if line.split(",")[7] == "wgd-1-01"}
    assert linked and {h["household_id"] for h in hub} == {"wgd-1-01", *linked}


def test_personal_data_is_for_the_household_and_its_village_cadres(world):
    base = world["base"]
    for role, sees in [("resident", True), ("village_cadre", True), ("supervisor", True),
                       ("hub_household", False), ("hamlet_head", False), ("town_staff", False),
                       ("integration", False)]:
        household = as_(world, role).get(f"{base}/api/households/wgd-1-02").json()
        assert ("residents" in household) is sees, (role, household)
        assert ("linked_household_ids" in household) is sees, (role, household)
        assert household["household_id"] == "wgd-1-02"
    hub = as_(world, "hub_household").get(f"{base}/api/households/wgd-1-01").json()
    assert {r["resident_id"] for r in hub["residents"]} >= {"wgd-1-01-1"}, "the hub reads its own household"


def test_points_recorded_and_decided_in_and_out_of_scope(world):
    body = {"household_id": "wgd-1-02", "resident_id": "wgd-1-02-1", "deed_code": "help_neighbour",
            "reason": "帮邻居收稻谷"}
    _expect_scope(world, _access("record_points"), "POST", "/api/points", 201, body)
    entry = as_(world, "village_cadre").post(f"{world['base']}/api/points", json=body).json()
    assert entry["recorded_by"] if "recorded_by" in entry else True
    refused = as_(world, "village_cadre", "out").post(f"{world['base']}/api/points/approvals",
                                                      json={"entry_ids": [entry["entry_id"]]})
    assert refused.status_code == 403, refused.text
    assert as_(world, "village_cadre").get(f"{world['base']}/api/points/{entry['entry_id']}").json()["status"] == "pending"
    approved = as_(world, "village_cadre").post(f"{world['base']}/api/points/approvals",
                                                json={"entry_ids": [entry["entry_id"]], "cadre_id": "someone-else"})
    assert approved.status_code == 200, approved.text
    assert approved.json()[0]["decided_by"].startswith("token:"), "the decider is the caller, not the body"


def test_motions_in_and_out_of_scope(world):
    base = world["base"]
    body = {"village_id": "v-wgd", "hamlet_id": "wgd-1", "scope": "hamlet", "title": "修塘 the pond",
            "estimated_budget": "3000", "contribution_kinds": ["labour"], "created_by": "typed-in"}
    _expect_scope(world, _access("create_motion"), "POST", "/api/motions", 201, body)
    motion = as_(world, "hamlet_head").post(f"{base}/api/motions", json=body).json()
    assert motion["created_by"].startswith("token:")
    _expect_scope(world, _access("get_motion"), "GET", f"/api/motions/{motion['id']}", 200)
    listed = as_(world, "resident", "out").get(f"{base}/api/motions", params={"village_id": "v-wgd"}).json()
    assert listed == []
    assert motion["id"] in {m["id"] for m in as_(world, "resident").get(
        f"{base}/api/motions", params={"village_id": "v-wgd"}).json()}


def test_contributions_in_and_out_of_scope(world):
    base = world["base"]
    project = as_(world, "village_cadre").post(f"{base}/api/projects", json={
        "project_id": f"wgd-pond-{uuid.uuid4().hex[:6]}", "name": "清塘 the pond", "scope": "hamlet",
        "village_id": "v-wgd", "hamlet_id": "wgd-1", "budget": "1000",
        "mix": {"grant": "0", "sponsor": "0", "crowd": "1000"}})
    assert project.status_code == 201, project.text
    labour = {"kind": "labour", "household_id": "wgd-1-03", "quantity": "4", "unit": "hours", "note": "清淤",
              "project_id": project.json()["project_id"]}
    _expect_scope(world, _access("record_contribution"), "POST", "/api/contributions", 201, labour)
    entry = as_(world, "hamlet_head").post(f"{base}/api/contributions", json=labour).json()
    _expect_scope(world, _access("get_contribution"), "GET", f"/api/contributions/{entry['entry_id']}", 200,
                  roles=[r for r in _access("get_contribution") if r not in ("resident",)])
    # a resident reads their own household's entries, not a neighbour's
    assert as_(world, "resident").get(f"{base}/api/contributions/{entry['entry_id']}").status_code == 403


def test_batches_in_and_out_of_scope(world):
    """A labour list and a rating sheet: the whole batch in scope, or refused and nothing kept."""
    base = world["base"]
    project = as_(world, "village_cadre").post(f"{base}/api/projects", json={
        "project_id": f"wgd-road-{uuid.uuid4().hex[:6]}", "name": "修路 the road", "scope": "hamlet",
        "village_id": "v-wgd", "hamlet_id": "wgd-1", "budget": "1000",
        "mix": {"grant": "0", "sponsor": "0", "crowd": "1000"}})
    assert project.status_code == 201, project.text
    labour_list = {"kind": "labour", "project_id": project.json()["project_id"], "unit": "days",
                   "entries": [{"household_id": "wgd-1-03", "quantity": "1"}, {"household_id": "wgd-1-04", "quantity": "0.5"}]}
    _expect_scope(world, _access("record_batch"), "POST", "/api/contributions/batches", 201, labour_list)
    sheet = {"hamlet_id": "wgd-1", "quarter": "2030Q3", "ratings": [{"household_id": "wgd-1-02", "stars": 6}]}
    _expect_scope(world, _access("rate_sheet"), "POST", "/api/ratings/sheets", 201, sheet)
    rated = as_(world, "village_cadre").get(f"{base}/api/points", params={"source": "rating", "quarter": "2030Q3",
                                                                        "household_id": "wgd-1-02"}).json()
    assert len(rated) == 1, "the out-of-scope attempt kept nothing"


def test_the_removal_register_and_parcels_in_and_out_of_scope(world):
    base = world["base"]
    body = {"structure_type": "dry_toilet", "household_id": "wgd-1-03", "location": "路边"}
    _expect_scope(world, _access("list_structure"), "POST", "/api/structures", 201, body)
    listed = as_(world, "hamlet_head").post(f"{base}/api/structures", json=body).json()
    assert listed["listed_by"].startswith("token:") and listed["must_remove"] is True
    _expect_scope(world, _access("get_structure"), "GET", f"/api/structures/{listed['structure_id']}", 200,
                  roles=[r for r in _access("get_structure") if r not in ("resident", "hub_household")])
    outside = as_(world, "village_cadre", "out").get(f"{base}/api/structures", params={"village_id": "v-wgd"}).json()
    assert outside == []


# -- 3. the actor is the caller ------------------------------------------------------------------

def test_a_cadre_never_approves_points_of_their_own_household(world):
    base, config = world["base"], world["config"]
    secretary = session(base, issue(config, "village_cadre", "village:v-wgd", home="wgd-1-05")["token"])
    entry = secretary.post(f"{base}/api/points", json={
        "household_id": "wgd-1-05", "deed_code": "mediation", "reason": "自己家"}).json()
    assert entry["status"] == "pending", entry
    refused = secretary.post(f"{base}/api/points/approvals", json={"entry_ids": [entry["entry_id"]]})
    assert refused.status_code == 403 and "本户" in refused.json()["message"]
    assert as_(world, "village_cadre").post(f"{base}/api/points/approvals",
                                            json={"entry_ids": [entry["entry_id"]]}).status_code == 200


def test_a_resident_redeems_and_cancels_only_for_their_own_household(world):
    base = world["base"]
    cadre, resident, neighbour = as_(world, "village_cadre"), as_(world, "resident"), as_(world, "resident", "out")
    goods = cadre.post(f"{base}/api/supermarket/goods", json={
        "village_id": "v-wgd", "name": "肥皂 soap", "price_points": 1, "stock": 10})
    assert goods.status_code == 201, goods.text
    for code in ("filial_piety", "mediation", "useful_suggestion", "help_neighbour"):  # enough to redeem
        if resident.get(f"{base}/api/households/wgd-1-02/balance").json()["spendable"] >= 10:
            break
        entry = cadre.post(f"{base}/api/points", json={"household_id": "wgd-1-02", "resident_id": "wgd-1-02-1",
                                                       "deed_code": code, "reason": "帮忙"}).json()
        cadre.post(f"{base}/api/points/approvals", json={"entry_ids": [entry["entry_id"]]})
    ask = {"household_id": "wgd-1-02", "goods_id": goods.json()["goods_id"], "quantity": 1}
    assert neighbour.post(f"{base}/api/supermarket/redemptions", json=ask).status_code == 403
    assert cadre.post(f"{base}/api/supermarket/redemptions", json=ask).status_code == 403  # a resident's act
    made = resident.post(f"{base}/api/supermarket/redemptions", json=ask)
    assert made.status_code == 201, made.text
    redemption = made.json()["redemption_id"]
    cancel = {"reason": "换别的"}
    assert neighbour.post(f"{base}/api/supermarket/redemptions/{redemption}/cancel", json=cancel).status_code == 403
    assert as_(world, "village_cadre", "out").post(
        f"{base}/api/supermarket/redemptions/{redemption}/cancel", json=cancel).status_code == 403
    assert resident.post(f"{base}/api/supermarket/redemptions/{redemption}/cancel", json=cancel).status_code == 200


def test_grant_and_sponsor_money_is_recorded_by_town_staff_of_the_town(world):
    base = world["base"]
    grant = {"kind": "money", "source": "grant", "amount": "50000", "hamlet_id": "wgd-1", "note": "上级补助"}
    for role in ("hamlet_head", "village_cadre"):
        refused = as_(world, role).post(f"{base}/api/contributions", json=grant)
        assert refused.status_code == 403 and "镇干部" in refused.json()["message"], (role, refused.text)
    assert as_(world, "town_staff", "out").post(f"{base}/api/contributions", json=grant).status_code == 403
    made = as_(world, "town_staff").post(f"{base}/api/contributions", json=grant)
    assert made.status_code == 201, made.text
    assert requests.post(f"{base}/api/contributions", json=grant).status_code == 401


def test_a_household_endorses_as_itself_once_and_only_in_its_village(world):
    base = world["base"]
    motion = as_(world, "village_cadre").post(f"{base}/api/motions", json={
        "village_id": "v-wgd", "scope": "village", "title": "修桥 the bridge", "kind": "public_works",
        "estimated_budget": "280000", "created_by": "x"}).json()
    url = f"{base}/api/motions/{motion['id']}/endorsements"
    made = as_(world, "resident").post(url, json={"household_id": "wgd-1-05", "endorsed_by": "someone"})
    assert made.status_code == 201, made.text
    assert made.json()["household_id"] == "wgd-1-02" and made.json()["endorsed_by"].startswith("token:")
    assert as_(world, "resident").post(url, json={}).status_code == 409
    assert as_(world, "resident", "out").post(url, json={}).status_code == 403   # another village's resident
    no_home = as_(world, "village_cadre").post(url, json={"household_id": "wgd-1-05"})
    assert no_home.status_code == 400 and "household_id" in no_home.text   # a cadre without a home household


def test_roster_imports_by_a_cadre_of_that_village(world):
    base = world["base"]
    other = as_(world, "village_cadre", "out").post(f"{base}/api/roster/imports",
                                                    json={"filename": "wgd.csv", "content": SAMPLE})
    assert other.status_code == 403 and "v-wgd" in other.json()["message"]
    own = as_(world, "village_cadre").post(f"{base}/api/roster/imports", json={"filename": "wgd.csv", "content": SAMPLE})
    assert own.status_code == 201, own.text


def test_meeting_tallies_by_a_cadre_of_the_village(world):
    base = world["base"]
    cadre = as_(world, "village_cadre")
    meeting = cadre.post(f"{base}/api/meetings", json={
        "village_id": "v-wgd", "kind": "party_members", "title": "党员会", "members": 30,
        "scheduled_for": datetime.now(timezone.utc).isoformat()})
    assert meeting.status_code == 201, meeting.text
    meeting_id = meeting.json()["id"]
    assert as_(world, "village_cadre", "out").post(f"{base}/api/meetings/{meeting_id}/held",
                                                   json={"attendance": []}).status_code == 403
    vote = as_(world, "village_cadre", "out").post(
        f"{base}/api/meetings/{meeting_id}/motions/any/votes", json={"tally": {"for": 30}})
    assert vote.status_code == 403, vote.text


def test_the_anonymous_attacks_of_the_issue_are_refused(world):
    base = world["base"]
    for method, path, body in [
        ("POST", "/api/points/approvals", {"entry_ids": ["x"], "cadre_id": "anonymous-passerby"}),
        ("POST", "/api/points", {"household_id": "wgd-1-02", "deed_code": "help_neighbour", "reason": "me"}),
        ("POST", "/api/contributions", {"kind": "money", "source": "grant", "amount": "999999999999.99"}),
        ("POST", "/api/contributions/x/reversal", {"reason": "x"}),
        ("POST", "/api/supermarket/redemptions", {"household_id": "wgd-1-02", "goods_id": "g", "quantity": 1}),
        ("POST", "/api/meetings/m/held", {}),
        ("POST", "/api/roster/imports", {"filename": "r.csv", "content": SAMPLE}),
        ("GET", "/api/subscriptions/1", None),
        ("DELETE", "/api/subscriptions/1", None),
        ("GET", "/api/households/wgd-1-02", None),
    ]:
        answer = requests.request(method, base + path, json=body)
        assert answer.status_code == 401, (method, path, answer.status_code, answer.text)
    assert requests.get(f"{base}/api/board/feed").status_code == 200
    assert requests.get(f"{base}/healthz").status_code == 200


def test_a_subscription_has_an_unguessable_id_and_is_its_owners(world):
    base = world["base"]
    mine, theirs = as_(world, "integration"), as_(world, "integration", "out")
    made = mine.post(f"{base}/api/subscriptions", json={
        "subscriber": "县档案系统", "url": "http://127.0.0.1:9/hook", "patterns": ["good_deed.*"],
        "owner": "someone-else"})
    assert made.status_code == 201, made.text
    sub = made.json()
    assert re.fullmatch(r"sub_[A-Za-z0-9_-]{24}", sub["id"]), sub["id"]
    assert sub["owner"] != "someone-else", "the owner is the caller, not what the body says"
    second = mine.post(f"{base}/api/subscriptions", json={
        "subscriber": "县档案系统", "url": "http://127.0.0.1:9/hook", "patterns": ["good_deed.*"]}).json()
    assert second["id"] != sub["id"]
    assert mine.get(f"{base}/api/subscriptions/{sub['id']}").status_code == 200
    assert as_(world, "county_operator").get(f"{base}/api/subscriptions/{sub['id']}").status_code == 200
    for method in ("GET", "DELETE"):  # another system's: as if it did not exist
        answer = theirs.request(method, f"{base}/api/subscriptions/{sub['id']}")
        assert answer.status_code == 404, (method, answer.text)
        assert as_(world, "village_cadre").request(method, f"{base}/api/subscriptions/{sub['id']}").status_code == 404
    assert requests.get(f"{base}/api/subscriptions/{sub['id']}").status_code == 401
    assert mine.delete(f"{base}/api/subscriptions/{sub['id']}").json()["active"] is False


def test_a_page_holds_what_the_caller_may_see(world):
    """Lists are narrowed in the query, not after it: far-* sorts before wgd-*, and a page of
    five for 伍桂墩村's cadre still holds five of its own households."""
    base = world["base"]
    page = as_(world, "village_cadre").get(f"{base}/api/households", params={"limit": 5})
    assert page.status_code == 200, page.text
    assert len(page.json()) == 5 and {h["village_id"] for h in page.json()} == {"v-wgd"}
    own = as_(world, "resident").get(f"{base}/api/households", params={"limit": 5}).json()
    assert [h["household_id"] for h in own] == ["wgd-1-02"]
    entries = as_(world, "town_staff", "out").get(f"{base}/api/contributions", params={"limit": 500}).json()
    assert all(e["household_id"] is None or e["household_id"].startswith("far-") for e in entries)
