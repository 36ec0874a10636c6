"""The one declaration of who may call what: every route says it, in known roles."""
import pytest

from services.gateway.auth import Refusal, authorise
from services.gateway.routing import load_routes
from services.kernel.identity import PUBLIC, ROLES, Principal, Scope

ROUTES = load_routes()


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_declares_its_access(route):
    assert route.access == PUBLIC or (isinstance(route.access, tuple) and route.access), \
        f"{route.method} {route.path}: declare access= (\"public\" or roles)"
    if route.access != PUBLIC:
        assert set(route.access) <= set(ROLES)


def test_anonymous_callers_reach_the_board_feed_and_rankings_only():
    public = {(r.method, r.path) for r in ROUTES if r.access == PUBLIC}
    assert public == {("GET", "/api/board/feed"), ("GET", "/api/rankings"),
                      # the village boards' data (村务公开), and the links in emails (the token is the proof)
                      ("GET", "/api/board/villages"), ("GET", "/api/board/villages/<village_id>"),
                      ("GET", "/api/board/villages/<village_id>/publicity"),
                      ("GET", "/api/subscriptions/confirm"), ("GET", "/api/subscriptions/unsubscribe"),
                      ("POST", "/api/subscriptions/unsubscribe")}


def test_writes_are_for_named_roles():
    """The rules of issue 11: who approves, redeems, records money, tallies, imports."""
    by = {r.rpc_method: set(r.access) for r in ROUTES if r.access != PUBLIC}
    assert by["approve_points"] == {"village_cadre"}
    assert by["request_redemption"] == {"resident"}
    assert by["import_roster"] == {"village_cadre"}
    assert by["record_vote"] == {"village_cadre"} and by["hold_meeting"] == {"village_cadre"}
    assert "resident" not in by["record_contribution"]


def test_authorise_answers_401_then_403():
    cadre = Principal("t", "village_cadre", (Scope("village", "v"),))
    authorise(PUBLIC, None)
    authorise(("village_cadre",), cadre)
    with pytest.raises(Refusal) as anonymous:
        authorise(("village_cadre",), None)
    assert anonymous.value.status == 401 and "WWW-Authenticate" in anonymous.value.headers
    with pytest.raises(Refusal) as wrong_role:
        authorise(("resident",), cadre)
    assert wrong_role.value.status == 403 and wrong_role.value.extra["allowed_roles"] == ["resident"]
