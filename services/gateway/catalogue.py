"""The event catalogue over HTTP: ``/asyncapi.json`` and each event's JSON Schema at its
``dataschema`` URL (``/schemas/events/<name>/v<version>.json``).

Documents are generated from the catalogue when first asked for, with the configured
``PUBLIC_URL`` in every link, so what the gateway serves is what the services publish.
``CatalogueRoutes`` holds the nameko entrypoints; the gateway service inherits them.
"""
from __future__ import annotations

import json
from functools import lru_cache

from nameko.dependency_providers import Config
from werkzeug.wrappers import Response

from services.kernel import asyncapi, events
from services.kernel import catalogue as _registered  # noqa: F401  (every event type)

from .web import http  # the gateway's own web server: one port, one error envelope

MAX_AGE = 300  # seconds a client may cache a document: they change only with a deployment


def _json(body: str, status: int = 200, mimetype: str = "application/json") -> Response:
    response = Response(body, status=status, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # AsyncAPI Studio and the like
    return response


@lru_cache(maxsize=4)
def asyncapi_document(base_url: str) -> str:
    return asyncapi.dumps(asyncapi.document(base_url))


@lru_cache(maxsize=256)
def schema_document(base_url: str, name: str, version: int) -> str | None:
    try:
        event_type = events.get(name)
    except Exception:  # noqa: BLE001  UnknownEventType: answered 404 below
        return None
    if event_type.version != version:
        return None
    return asyncapi.dumps(asyncapi.event_schema(event_type, base_url))


def not_found(message: str) -> Response:
    return Response(json.dumps({"error": "not_found", "message": message}, ensure_ascii=False),
                    status=404, mimetype="application/json")


def schema_response(base_url: str, name: str, filename: str) -> Response:
    version = filename.removeprefix("v").removesuffix(".json")
    if not version.isdigit():
        return not_found(f"no schema {name}/{filename}: expected v<version>.json")
    body = schema_document(base_url, name, int(version))
    if body is None:
        return not_found(f"no schema for event type {name!r} version {version}")
    return _json(body, mimetype="application/schema+json")


class CatalogueRoutes:
    """Mixed into the gateway service: the published event catalogue."""

    config = Config()

    def _base(self) -> str:
        return (self.config.get("PUBLIC_URL") or events.DEFAULT_PUBLIC_URL).rstrip("/")

    @http("GET", "/asyncapi.json")
    def asyncapi_json(self, request):
        return _json(asyncapi_document(self._base()))

    @http("GET", "/schemas/events/<name>/<filename>")
    def event_schema(self, request, name, filename):
        return schema_response(self._base(), name, filename)
