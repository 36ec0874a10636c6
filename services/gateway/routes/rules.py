"""The policy port over HTTP, read-only: what the rules in force decide, their parameters, and
which files are in force. Reloading and schedules stay with operators (``cocreate rules``)."""
from services.gateway.routing import Route
from services.kernel.identity import EVERYONE

R = "rules"

ROUTES = [
    Route("GET", "/api/policy", R, "status", access=EVERYONE),
    Route("GET", "/api/policy/<area>", R, "params", access=EVERYONE),
    # decide(area, facts) / explain(area, facts): the JSON body is the facts
    Route("POST", "/api/policy/<area>/decide", R, "decide", body="facts", access=EVERYONE),
    Route("POST", "/api/policy/<area>/explain", R, "explain", body="facts", access=EVERYONE),
]
