"""Route tables for the gateway: each service lists its HTTP routes in ``routes/<service>.py``."""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, replace

from werkzeug.routing import Map, Rule


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    service: str
    rpc_method: str
    body: bool | str = False    # pass the JSON body as payload= (or as the keyword named here)
    query: bool | str = False   # pass the query string as query= (a dict; or the keyword named)
    status: int = 200
    download: bool = False      # the RPC returns a table (services.kernel.tables): sent as a file
    max_body: int | None = None  # bytes; None: the gateway's default (http.Limits.max_body)
    # OpenAPI: by default read from the RPC method (services/gateway/openapi.py); name them when
    # the method does not load/dump through ``schemas.X()``
    request: str | None = None   # the input schema's class name in services/<service>/schemas.py
    response: str | None = None  # the output schema's class name
    many: bool = False           # the response is a list of ``response``
    summary: str | None = None
    # Who may call it: "public" (anonymous too) or the roles of services.kernel.identity.
    # Plain data, read by the gateway's guard and shown as each route's security in OpenAPI;
    # undeclared means nobody. The service still checks the object's scope (village, household).
    access: tuple[str, ...] | str = ()

    @property
    def body_param(self) -> str | None:
        """The RPC keyword that receives the JSON body, if any."""
        return _param(self.body, "payload")

    @property
    def query_param(self) -> str | None:
        """The RPC keyword that receives the query string (a dict), if any."""
        return _param(self.query, "query")


def _param(flag: bool | str, default: str) -> str | None:
    if flag is True:
        return default
    return flag or None


def load_routes() -> list[Route]:
    """Every service's ``ROUTES``; a module's ``RESPONSES = {"rpc_method": "OutSchema" or
    ("OutSchema", many)}`` names the output schemas its RPC methods do not dump themselves, and
    ``REQUESTS = {"rpc_method": "InSchema"}`` the input schemas they do not load."""
    from . import routes as package
    found = []
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        table = importlib.import_module(f"{package.__name__}.{module.name}")
        responses = getattr(table, "RESPONSES", {})
        requests = getattr(table, "REQUESTS", {})
        for route in table.ROUTES:
            named = responses.get(route.rpc_method)
            if named and not route.response:
                name, many = (named, False) if isinstance(named, str) else named
                route = replace(route, response=name, many=many)
            if requests.get(route.rpc_method) and not route.request:
                route = replace(route, request=requests[route.rpc_method])
            found.append(route)
    return found


def build_map(routes: list[Route]) -> Map:
    seen = set()
    rules = []
    for route in routes:
        key = (route.method.upper(), route.path)
        if key in seen:
            raise ValueError(f"route {route.method} {route.path} is declared twice")
        seen.add(key)
        rules.append(Rule(route.path, methods=[route.method.upper()], endpoint=route))
    return Map(rules, strict_slashes=False)
