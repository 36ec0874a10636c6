"""The policy port over HTTP: what the published rules decide, their parameters, which versions
are in force, and their history (who published what, when, why, and the texts); and publishing
for policy staff. Reloading and schedules stay with operators (``cocreate rules``)."""
from services.gateway.routing import Route
from services.kernel.identity import EVERYONE, POLICY_STAFF

R = "rules"

ROUTES = [
    Route("GET", "/api/policy", R, "status", access=EVERYONE),
    # history(query): ?area=funding&limit=50, newest first
    Route("GET", "/api/policy/history", R, "history", query=True, access=EVERYONE),
    Route("GET", "/api/policy/<area>", R, "params", access=EVERYONE),
    Route("GET", "/api/policy/<area>/versions/<int:version>", R, "show", access=EVERYONE),
    Route("GET", "/api/policy/<area>/diff/<int:old>/<int:new>", R, "diff", access=EVERYONE),
    # decide(area, facts) / explain(area, facts): the JSON body is the facts
    Route("POST", "/api/policy/<area>/decide", R, "decide", body="facts", access=EVERYONE),
    Route("POST", "/api/policy/<area>/explain", R, "explain", body="facts", access=EVERYONE),
    # policy staff only: the body is the whole draft {files, cases, message, accept_warnings}
    # (each file at most 256 KB, JSON-escaped); the publisher is the caller
    Route("POST", "/api/policy/publish", R, "publish", body=True, max_body=8 * 1024 * 1024,
          access=(POLICY_STAFF,)),
]

# OpenAPI: the policy book builds these answers itself; the facts are an open object
RESPONSES = {
    "status": "PolicyStatusOut",
    "params": "PolicyParamsOut",
    "decide": "DecisionOut",
    "explain": "ExplainOut",   # a list of rule ids
    "history": ("VersionOut", True),
    "show": "VersionOut",
    "diff": "DiffOut",
    "publish": "PublishOut",
}
REQUESTS = {"decide": "FactsIn", "explain": "FactsIn", "history": "HistoryQuery", "publish": "PublishIn"}
