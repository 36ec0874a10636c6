"""The gateway's route tables against the services' RPC signatures, statically, and the plain
HTTP side of the gateway (services/gateway/http.py) without nameko or a broker.

A route calls ``<service>.<rpc_method>(**path_params, payload=<body>, query=<args>)`` (the body
and query keywords only when the route declares them, under the name it gives). Each route's
method must be an RPC entrypoint of the service, and its parameters (after ``self``) must be
exactly those keywords: a missing one is a TypeError at call time, an extra one is input the
route can never pass (a list's filters, an action's body).
"""
from __future__ import annotations

import importlib
import inspect
import json

import pytest
from nameko.rpc import Rpc
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway import http
from services.gateway.routing import Route, build_map, load_routes
from services.kernel.errors import (Conflict, IllegalTransition, NotFound, PolicyRefused,
                                    ValidationFailed)

ROUTES = load_routes()


def service_class(service: str):
    module = importlib.import_module(f"services.{service}.service")
    found = [c for c in vars(module).values()
             if inspect.isclass(c) and c.__module__ == module.__name__ and getattr(c, "name", None) == service]
    assert len(found) == 1, f"services/{service}/service.py: one class with name = {service!r}"
    return found[0]


def path_params(path: str) -> set[str]:
    rule = Rule(path)
    Map([rule])  # binding compiles the rule, which fills in its arguments
    return set(rule.arguments)


def declared(route: Route) -> set[str]:
    return path_params(route.path) | {p for p in (route.body_param, route.query_param) if p}


def route_id(route: Route) -> str:
    return f"{route.method} {route.path} -> {route.service}.{route.rpc_method}"


def test_every_service_has_a_route_table():
    assert {r.service for r in ROUTES} >= {"proposals", "contributions", "scoring", "notifications", "rules"}
    build_map(ROUTES)  # no route declared twice


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_the_route_calls_an_rpc_method_with_exactly_its_parameters(route):
    cls = service_class(route.service)
    method = getattr(cls, route.rpc_method, None)
    assert method is not None, f"{cls.__name__} has no method {route.rpc_method}"
    assert any(isinstance(e, Rpc) for e in getattr(method, "nameko_entrypoints", ())), \
        f"{cls.__name__}.{route.rpc_method} is not an RPC entrypoint"

    params = list(inspect.signature(method).parameters.values())[1:]  # after self
    assert not [p for p in params if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY)], \
        "keyword-callable parameters only"
    names = {p.name for p in params}
    required = {p.name for p in params if p.default is p.empty}
    passed = declared(route)
    assert passed <= names, f"passed but not accepted: {sorted(passed - names)} (accepts {sorted(names)})"
    assert required <= passed, f"required but never passed: {sorted(required - passed)}"
    assert names == passed, f"accepted but never passed by this route: {sorted(names - passed)}"
    # and it binds: what the gateway will do at run time
    inspect.signature(method).bind(None, **{name: "x" for name in passed})


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_the_route_is_well_formed(route):
    assert route.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert route.path.startswith("/api/")
    assert 200 <= route.status < 300
    assert not (route.method == "GET" and route.body), "a GET has no body"
    keywords = [p for p in (route.body_param, route.query_param) if p]
    assert not set(keywords) & path_params(route.path), "a keyword would be given twice"
    if route.body_param is None:
        assert route.status != 201 or route.method in {"POST", "PUT"}


def test_a_checker_that_can_fail():
    """The checks above reject the mistakes they are for."""
    wrong_name = Route("GET", "/api/motions/<id>", "proposals", "get_motion")
    assert declared(wrong_name) != {"motion_id"}
    missing_body = Route("POST", "/api/motions", "proposals", "create_motion")
    method = service_class("proposals").create_motion
    with pytest.raises(TypeError):
        inspect.signature(method).bind(None, **{n: "x" for n in declared(missing_body)})


# -- the policy routes: facts as the body ----------------------------------------------------

def test_policy_routes_pass_the_body_as_facts():
    by_method = {r.rpc_method: r for r in ROUTES if r.service == "rules"}
    assert set(by_method) >= {"decide", "params", "status"}
    decide = by_method["decide"]
    assert (decide.method, decide.path, decide.body_param) == ("POST", "/api/policy/<area>/decide", "facts")
    assert (by_method["params"].method, by_method["params"].path) == ("GET", "/api/policy/<area>")
    assert (by_method["status"].method, by_method["status"].path) == ("GET", "/api/policy")
    assert all(r.method == "GET" or r.rpc_method in {"decide", "explain", "publish"} for r in by_method.values()), \
        "read-only but for publishing: no reload or schedules over HTTP"
    assert (by_method["publish"].method, by_method["publish"].path) == ("POST", "/api/policy/publish")
    adapter = build_map(ROUTES).bind("localhost")
    assert adapter.match("/api/policy/history", method="GET")[0].rpc_method == "history"
    assert adapter.match("/api/policy/funding", method="GET")[0].rpc_method == "params"
    route, kwargs = adapter.match("/api/policy/funding/versions/3", method="GET")
    assert (route.rpc_method, kwargs) == ("show", {"area": "funding", "version": 3})
    route, kwargs = adapter.match("/api/policy/funding/diff/1/2", method="GET")
    assert (route.rpc_method, kwargs) == ("diff", {"area": "funding", "old": 1, "new": 2})


# -- http.py: request -> (route, kwargs) -> response, no nameko ----------------------------------

URL_MAP = build_map([
    Route("POST", "/api/policy/<area>/decide", "rules", "decide", body="facts"),
    Route("POST", "/api/things", "svc", "make", body=True, status=201),
    Route("GET", "/api/things", "svc", "find", query=True),
    Route("GET", "/api/things/<thing_id>", "svc", "get"),
])


def request(method: str, path: str, **kw) -> Request:
    return Request(EnvironBuilder(method=method, path=path, **kw).get_environ())


def test_resolve_passes_path_body_and_query_under_their_keywords():
    route, kwargs = http.resolve(URL_MAP, request("POST", "/api/policy/civility_points/decide",
                                                   json={"deed_code": "help_neighbour"}))
    assert route.rpc_method == "decide"
    assert kwargs == {"area": "civility_points", "facts": {"deed_code": "help_neighbour"}}
    _, kwargs = http.resolve(URL_MAP, request("POST", "/api/things", json={"a": 1}))
    assert kwargs == {"payload": {"a": 1}}
    _, kwargs = http.resolve(URL_MAP, request("POST", "/api/things"))
    assert kwargs == {"payload": {}}
    _, kwargs = http.resolve(URL_MAP, request("GET", "/api/things", query_string="limit=5&village_id=伍"))
    assert kwargs == {"query": {"limit": "5", "village_id": "伍"}}
    _, kwargs = http.resolve(URL_MAP, request("GET", "/api/things/t-1/"))
    assert kwargs == {"thing_id": "t-1"}


def test_a_json_body_sent_as_a_form_is_still_read():
    _, kwargs = http.resolve(URL_MAP, request("POST", "/api/things", data='{"a": 1}',
                                              content_type="application/x-www-form-urlencoded"))
    assert kwargs == {"payload": {"a": 1}}


def body(response):
    return response.status_code, json.loads(response.get_data(as_text=True))


def test_resolve_answers_unknown_routes_wrong_methods_and_bad_json():
    status, answer = body(http.resolve(URL_MAP, request("GET", "/api/nothing")))
    assert status == 404 and answer["error"] == "not_found"
    status, answer = body(http.resolve(URL_MAP, request("DELETE", "/api/things")))
    assert status == 405 and {"GET", "POST"} <= set(answer["allowed"])
    status, answer = body(http.resolve(URL_MAP, request("POST", "/api/things", data="{nope",
                                                        content_type="application/json")))
    assert status == 400 and "_body" in answer["fields"]


@pytest.mark.parametrize("error, status, keys", [
    (ValidationFailed.from_messages({"title": ["required"]}), 400, {"fields"}),
    (NotFound.of("motion", "m-1"), 404, {"kind", "id"}),
    (IllegalTransition.of("motion", "raised", "start", {"withdraw", "deliberate"}), 409, {"current", "allowed"}),
    (Conflict({"message": "already rated"}), 409, set()),
    (PolicyRefused({"message": "never", "rule": {"id": "demolition.no_compensation", "version": 1}}), 422, {"rule"}),
    (http.ServiceTimeout("scoring", "rankings", 30), 504, {"service"}),
    (KeyError("boom"), 500, set()),
])
def test_errors_become_their_statuses(error, status, keys):
    got, answer = body(http.from_error(error))
    assert got == status and keys <= set(answer) and answer["error"] and answer["message"]


def test_illegal_transition_names_the_allowed_steps_sorted():
    _, answer = body(http.from_error(IllegalTransition.of("motion", "raised", "start", {"withdraw", "deliberate"})))
    assert answer["current"] == "raised" and answer["allowed"] == ["deliberate", "withdraw"]
