"""The policy port over HTTP, read-only: what the rules in force decide, their parameters, and
which files are in force. Reloading and schedules stay with operators (``cocreate rules``)."""
from services.gateway.routing import Route

R = "rules"

ROUTES = [
    Route("GET", "/api/policy", R, "status"),
    Route("GET", "/api/policy/<area>", R, "params"),
    # decide(area, facts) / explain(area, facts): the JSON body is the facts
    Route("POST", "/api/policy/<area>/decide", R, "decide", body="facts"),
    Route("POST", "/api/policy/<area>/explain", R, "explain", body="facts"),
]

# OpenAPI: the policy book builds these answers itself; the facts are an open object
RESPONSES = {
    "status": "PolicyStatusOut",
    "params": "PolicyParamsOut",
    "decide": "DecisionOut",
    "explain": "ExplainOut",   # a list of rule ids
}
REQUESTS = {"decide": "FactsIn", "explain": "FactsIn"}
