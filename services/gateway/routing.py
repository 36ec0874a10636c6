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
    body: bool = False      # pass the JSON body as payload=
    query: bool = False     # pass the query string as query= (a dict)
    status: int = 200


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
