"""The HTTP side of the gateway, free of nameko: request -> (service, method, kwargs) -> response."""
from __future__ import annotations

import json

from werkzeug.exceptions import MethodNotAllowed, NotFound as RouteNotFound
from werkzeug.wrappers import Request, Response

from services.kernel.errors import CocreateError

from .routing import Route


def json_response(body, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                    mimetype="application/json")


def download_response(table: dict, fmt: str) -> Response:
    """A table as an .xlsx or CSV attachment, named in Chinese (RFC 5987) with an ASCII fallback."""
    from urllib.parse import quote

    from services.kernel import tables
    if fmt not in tables.FORMATS:
        return error_response(400, "validation_failed", "format: xlsx or csv", fields={"format": ["xlsx or csv"]})
    name = f"{table.get('sheet') or table.get('kind') or 'export'}.{fmt}"
    ascii_name = f"{table.get('kind') or 'export'}.{fmt}"
    response = Response(tables.render(table, fmt), mimetype=tables.FORMATS[fmt])
    response.headers["Content-Disposition"] = (f'attachment; filename="{ascii_name}"; '
                                               f"filename*=UTF-8''{quote(name)}")
    return response


def error_response(status: int, code: str, message: str, **extra) -> Response:
    return json_response({"error": code, "message": message, **extra}, status)


def resolve(url_map, request: Request):
    """The route and RPC keyword arguments for a request, or an error Response."""
    adapter = url_map.bind_to_environ(request.environ)
    try:
        route, kwargs = adapter.match()
    except MethodNotAllowed as exc:
        return error_response(405, "method_not_allowed", f"{request.method} not allowed here",
                              allowed=sorted(exc.valid_methods or []))
    except RouteNotFound:
        return error_response(404, "not_found", f"no route {request.path}")
    route: Route
    if route.body_param:
        text = request.get_data(as_text=True)
        if not text.strip():
            payload = {}
        else:
            try:
                payload = json.loads(text)
            except ValueError as exc:
                return error_response(400, "validation_failed", "body is not JSON",
                                      fields={"_body": [str(exc)]})
        kwargs[route.body_param] = payload
    if route.query_param:
        kwargs[route.query_param] = {k: v for k, v in request.args.items()}
    return route, kwargs


class ServiceTimeout(Exception):
    """No reply from a service within the gateway's deadline (the service is down or stuck)."""

    def __init__(self, service: str, method: str, seconds: float):
        super().__init__(f"{service}.{method}: no reply within {seconds:g}s")
        self.service = service


def from_error(exc: Exception) -> Response:
    if isinstance(exc, CocreateError):
        return json_response(exc.to_dict(), exc.http_status)
    if isinstance(exc, ServiceTimeout):
        return error_response(504, "service_timeout", str(exc), service=exc.service)
    name = type(exc).__name__
    if name == "UnknownService":
        return error_response(503, "service_unavailable", str(exc))
    if name == "MethodNotFound":
        return error_response(501, "not_implemented", str(exc))
    return error_response(500, "internal_error", f"{name}: {exc}")
