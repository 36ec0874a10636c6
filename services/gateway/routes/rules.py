"""The policy port over HTTP: what the published rules decide, their parameters, which versions
are in force, and their history (who published what, when, why, and the texts); and publishing
for policy staff. Reloading and schedules stay with operators (``cocreate rules``)."""
from services.gateway.routing import Route

R = "rules"

ROUTES = [
    Route("GET", "/api/policy", R, "status"),
    # history(query): ?area=funding&limit=50, newest first
    Route("GET", "/api/policy/history", R, "history", query=True),
    Route("GET", "/api/policy/<area>", R, "params"),
    Route("GET", "/api/policy/<area>/versions/<int:version>", R, "show"),
    Route("GET", "/api/policy/<area>/diff/<int:old>/<int:new>", R, "diff"),
    # decide(area, facts) / explain(area, facts): the JSON body is the facts
    Route("POST", "/api/policy/<area>/decide", R, "decide", body="facts"),
    Route("POST", "/api/policy/<area>/explain", R, "explain", body="facts"),
    # Policy staff only (the role check comes with identity, issue 11): the body is the whole
    # draft {files, cases, message, author, accept_warnings}. Until then ``author`` is taken
    # from the body as the caller states it; identity will replace it with the caller's.
    # A whole draft: every rule and case file (each at most 256 KB), JSON-escaped.
    Route("POST", "/api/policy/publish", R, "publish", body=True, max_body=8 * 1024 * 1024),
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
