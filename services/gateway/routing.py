"""Route tables for the gateway: each service lists its HTTP routes in ``routes/<service>.py``."""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

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
    from . import routes as package
    found = []
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        found.extend(importlib.import_module(f"{package.__name__}.{module.name}").ROUTES)
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
