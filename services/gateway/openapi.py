"""The OpenAPI 3.1 document of the HTTP API, generated from the route table and the services'
marshmallow schemas (apispec and its marshmallow plugin).

A route may name its schemas (``Route(request=..., response=...)``); otherwise they are read
from the RPC method itself, which by convention loads its input and dumps its output through
``schemas.X()`` (``tests/unit/test_openapi.py`` fails when a route's schemas cannot be found).
"""
from __future__ import annotations

import ast
import importlib
import re
from functools import lru_cache
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields as ma_fields

from .http import CODES, STATUS_TEXT, LIMITS
from .routing import Route

SERVICES_DIR = Path(__file__).resolve().parents[1]
VERSION = "1.0.0"
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")

ERROR_SCHEMA = {
    "type": "object", "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "machine code, English (validation_failed, not_found...)"},
        "message": {"type": "string", "description": "为人阅读的说明，中文在前 (for people, Chinese first)"},
        "fields": {"type": "object", "description": "400: each failing field (or file:line) with its messages",
                   "additionalProperties": {}},
        "current": {"type": "string", "description": "409: the current state"},
        "allowed": {"type": "array", "items": {"type": "string"}, "description": "409/405: allowed steps"},
        "rule": {"type": "object", "description": "422: the rule id and file version that refused"},
        "id": {"description": "404: the id that was not found; 5xx: the id of this failure's log line"},
    },
}
DESCRIPTION = """共同缔造 co-creation platform: every service's operations over HTTP.

- Errors share one envelope: `{{"error": code, "message": 中文说明, "fields": {{...}}}}` — 400 with the
  failing fields, 404, 409 with `current`/`allowed`, 422 with the `rule` that refused, 5xx with an `id`.
- Every POST accepts an `Idempotency-Key` header: a repeat with the same key and body returns the
  first answer; the same key with another body is 422 `idempotency_key_reused`. A request answered
  504 expires unapplied; retry it with the same key.
- Lists take `limit` (1..{max_page}) and `offset` (0..{max_offset}).
- Bodies are JSON of at most {max_body_kb} KB, nested at most {depth} levels; numbers at most 10^15.
""".format(max_page=LIMITS.max_page, max_offset=LIMITS.max_offset, max_body_kb=LIMITS.max_body // 1024,
           depth=LIMITS.max_depth)


@lru_cache(maxsize=None)
def _calls(service: str) -> dict[str, tuple[list, list]]:
    """For each RPC method of a service: the schemas it loads and the schemas it dumps."""
    path = SERVICES_DIR / service / "service.py"
    found: dict[str, tuple[list, list]] = {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
            loads, dumps = [], []
            # a dump inside a list comprehension answers a list
            in_lists = {id(n) for comp in ast.walk(fn) if isinstance(comp, ast.ListComp)
                        for n in ast.walk(comp.elt)}
            for node in ast.walk(fn):
                if not isinstance(node, ast.Call):
                    continue
                schema = _schema_call(node.func.value) if isinstance(node.func, ast.Attribute) else None
                if schema and node.func.attr == "load":
                    loads.append(schema)
                elif schema and node.func.attr == "dump":
                    dumps.append((schema[0], schema[1] or id(node) in in_lists))
                for arg in node.args:  # helpers called with a schema: _query(schemas.X, query)
                    ref = _schema_ref(arg)
                    if ref and not schema:
                        loads.append(ref)
            found[fn.name] = (loads, dumps)
    return found


def _schema_call(node) -> tuple[str, bool] | None:
    """``schemas.X(...)`` -> ("X", many)."""
    if isinstance(node, ast.Call) and _schema_ref(node.func):
        many = any(k.arg == "many" and getattr(k.value, "value", False) for k in node.keywords)
        return _schema_ref(node.func)[0], many
    return None


def _schema_ref(node) -> tuple[str, bool] | None:
    if isinstance(node, ast.Call):
        return _schema_ref(node.func)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "schemas":
        return node.attr, False
    return None


def _schema_class(service: str, name: str):
    return getattr(importlib.import_module(f"services.{service}.schemas"), name)


def route_schemas(route: Route) -> tuple[type | None, type | None, bool]:
    """(input schema, output schema, output is a list) of a route."""
    loads, dumps = _calls(route.service).get(route.rpc_method, ([], []))
    request = route.request or (loads[0][0] if loads else None)
    response, many = (route.response, route.many) if route.response else (dumps[0] if dumps else (None, False))
    return (_schema_class(route.service, request) if request else None,
            _schema_class(route.service, response) if response else None, many)


def _resolver(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    service = cls.__module__.split(".")[1] if cls.__module__.startswith("services.") else "common"
    return f"{service}.{cls.__name__}"


def _decimal_as_string(self, field, **kwargs) -> dict:
    """Money and other decimals travel as decimal strings ("12000.00"), never floats."""
    if isinstance(field, ma_fields.Decimal):
        kind = ["string", "null"] if field.allow_none else "string"
        return {"type": kind, "format": "decimal", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
    return {}


def document(routes: list[Route], server_url: str | None = None) -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=_resolver)
    spec = APISpec(title="cocreate 共同缔造 API", version=VERSION, openapi_version="3.1.0",
                   plugins=[plugin],
                   info={"description": DESCRIPTION},
                   servers=[{"url": server_url}] if server_url else [])
    plugin.converter.add_attribute_function(_decimal_as_string)
    spec.components.schema("Error", ERROR_SCHEMA)
    for status in sorted(CODES):
        spec.components.response(f"E{status}", {
            "description": f"{STATUS_TEXT[status]} ({CODES[status]})",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    spec.components.security_scheme("bearer", {
        "type": "http", "scheme": "bearer",
        "description": "API 令牌（运维用 cocreate tokens issue 签发）或县统一身份认证的 OIDC JWT "
                       "(an API token from `cocreate tokens issue`, or the county IdP's JWT); "
                       "x-roles on each operation lists the roles it admits"})
    spec.components.parameter("IdempotencyKey", "header", {
        "name": "Idempotency-Key", "required": False,
        "description": "任意 1–200 个可打印 ASCII 字符；重试时用同一个 key (retry with the same key)",
        "schema": {"type": "string", "minLength": 1, "maxLength": 200}})
    by_path: dict[str, dict] = {}
    for route in routes:
        path, parameters = _path(route)
        operation = _operation(route, parameters, plugin.converter)
        by_path.setdefault(path, {})[route.method.lower()] = operation
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    return _numbers(spec.to_dict())


_BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}


def _numbers(node):
    """Bounds of Decimal fields come out as strings; JSON Schema wants numbers."""
    if isinstance(node, dict):
        numeric = node.get("type") in ("number", "integer")
        return {k: (_number(v) if k in _BOUNDS or (numeric and k == "default" and v is not None)
                    else _numbers(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_numbers(v) for v in node]
    return node


def _number(value):
    if isinstance(value, (int, float)) or isinstance(value, bool):
        return value
    number = float(str(value))
    return int(number) if number.is_integer() else number


def _path(route: Route) -> tuple[str, list]:
    parameters = []

    def param(match):
        converter, name = match.group(1), match.group(2)
        schema = ({"type": "integer", "minimum": 0, "maximum": 2 ** 53} if converter == "int"
                  else {"type": "string", "minLength": 1, "maxLength": LIMITS.max_path_value})
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"
    return _PARAM.sub(param, route.path), parameters


def _operation(route: Route, parameters: list, converter) -> dict:
    request, response, many = route_schemas(route)
    if isinstance(response, ma_fields.Field):  # an answer that is not an object: a list of ids
        response = converter.field2property(response)
    operation: dict = {
        "operationId": f"{route.service}.{route.rpc_method}",
        "tags": [route.service],
        "summary": route.summary or route.rpc_method.replace("_", " "),
        "parameters": list(parameters),
    }
    if route.query_param:
        operation["parameters"].append({"in": "query", "schema": request} if request else
                                       {"name": "limit", "in": "query", "schema": {"type": "integer"}})
    elif route.body_param:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": request or {"type": "object"}}}}
    if route.method != "GET":
        operation["parameters"].append("IdempotencyKey")  # apispec: a component by name
    content_schema = ({"type": "array", "items": response} if many else response) if response else {}
    content = {"application/json": {"schema": content_schema}}
    if getattr(route, "download", False):  # a file: .xlsx or CSV as ?format= asks
        content = {mime.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                   for mime in ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                "text/csv")}
    operation["responses"] = {
        str(route.status): {"description": "成功 success", "content": content},
        **{str(s): f"E{s}" for s in _errors(route)},
    }
    security = _security(route)
    if security is not None:
        operation["security"] = security
        if security:
            operation["x-roles"] = sorted(route.access)  # services/kernel/identity.py
    return operation


def _errors(route: Route) -> list[int]:
    statuses = [400, 413, 414, 429, 500, 503, 504]
    if "<" in route.path:
        statuses.append(404)
    if route.method != "GET":
        statuses += [409, 422]
    if _security(route):
        statuses += [401, 403]
    return sorted(set(statuses))


def _security(route: Route):
    """Who may call the route, when the route table says (the identity layer declares it)."""
    access = getattr(route, "access", None)
    if access is None:
        return None
    if access == "public" or access == ():
        return []
    return [{"bearer": []}]
