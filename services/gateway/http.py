"""The HTTP side of the gateway, free of nameko: request -> (service, method, kwargs) -> response.

Every answer that is not a success has one envelope, whatever raised it (a service, werkzeug,
the bounds below, the gateway itself)::

    {"error": "validation_failed", "message": "请求有误：…", "fields": {...}}

``error`` is the machine code (English, stable); ``message`` is for people, Chinese first.
409 adds ``current``/``allowed``, 422 the ``rule`` that refused, 5xx an ``id`` that is also in
the log line, so a report from a clerk can be found.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, replace

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound as RouteNotFound
from werkzeug.wrappers import Request, Response

from services.kernel.errors import CocreateError

from .routing import Route

log = logging.getLogger(__name__)

# People-facing text for each status (the machine code stays English).
STATUS_TEXT = {
    400: "请求有误", 401: "需要身份验证", 403: "无权进行此操作", 404: "未找到",
    405: "不支持该请求方法", 406: "无法提供所需格式", 408: "请求超时", 409: "与当前状态冲突",
    411: "请注明请求内容长度", 413: "请求内容过大", 414: "请求地址过长", 415: "不支持的内容类型",
    422: "不符合政策规则", 429: "请求过于频繁，请稍后再试", 431: "请求头过大",
    500: "服务器内部错误", 501: "尚未提供此功能", 502: "上游服务出错", 503: "服务暂不可用",
    504: "服务响应超时",
}
CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 408: "request_timeout", 409: "conflict",
    411: "length_required", 413: "payload_too_large", 414: "uri_too_long",
    415: "unsupported_media_type", 422: "unprocessable", 429: "rate_limited",
    431: "headers_too_large", 500: "internal_error", 501: "not_implemented",
    502: "bad_gateway", 503: "service_unavailable", 504: "service_timeout",
}
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may carry. A route may raise ``max_body`` (the roster upload)."""

    max_body: int = 256 * 1024          # bytes of a JSON body
    max_url: int = 4096                 # characters of path and query string
    max_depth: int = 16                 # nesting of a JSON body
    max_string: int = 20_000            # characters of one JSON string
    max_items: int = 5_000              # members of one JSON array or object
    max_number: int = 10 ** 15          # magnitude of a JSON number
    max_query_value: int = 512          # characters of one query-string value
    max_path_value: int = 128           # characters of one path segment value
    max_page: int = 500                 # ``limit`` of a list
    max_offset: int = 1_000_000         # ``offset`` of a list


LIMITS = Limits()


def json_response(body, status: int = 200, headers=None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                    mimetype="application/json", headers=headers)


def download_response(table: dict, fmt: str) -> Response:
    """A table as an .xlsx or CSV attachment, named in Chinese (RFC 5987) with an ASCII fallback."""
    from urllib.parse import quote

    from services.kernel import tables
    if fmt not in tables.FORMATS:
        return error_response(400, "validation_failed", "导出格式应为 xlsx 或 csv (format: xlsx or csv)",
                              fields={"format": ["xlsx or csv"]})
    name = f"{table.get('sheet') or table.get('kind') or 'export'}.{fmt}"
    ascii_name = f"{table.get('kind') or 'export'}.{fmt}"
    response = Response(tables.render(table, fmt), mimetype=tables.FORMATS[fmt])
    response.headers["Content-Disposition"] = (f'attachment; filename="{ascii_name}"; '
                                               f"filename*=UTF-8''{quote(name)}")
    return response


def chinese_first(status: int, message: str | None) -> str:
    """The message as people read it: Chinese first, an English detail kept after it."""
    base = STATUS_TEXT.get(status, "请求失败")
    if not message:
        return base
    if _CJK.search(message):
        return message
    return f"{base}：{message}"


def error_response(status: int, code: str | None = None, message: str | None = None,
                   headers=None, **extra) -> Response:
    body = {"error": code or CODES.get(status, "error"), "message": chinese_first(status, message)}
    body.update(extra)
    return json_response(body, status, headers)


class Refused(Exception):
    """A request refused at the edge, before any service sees it."""

    def __init__(self, status: int, message: str, fields: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.fields, self.code = status, message, fields, code

    def response(self) -> Response:
        extra = {"fields": self.fields} if self.fields else {}
        code = self.code or ("validation_failed" if self.status == 400 else None)
        return error_response(self.status, code, self.message, **extra)


# -- bounds ---------------------------------------------------------------------------------

def _refuse_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def parse_body(raw: bytes, limits: Limits = LIMITS):
    """The JSON body within bounds, or :class:`Refused` naming what is wrong."""
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "请求体须为 UTF-8 编码的 JSON (body is not UTF-8)",
                      {"_body": ["请使用 UTF-8 编码 use UTF-8"]}) from None
    _check_nesting(text, limits.max_depth)
    try:
        payload = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise Refused(400, "请求体不是有效的 JSON (body is not JSON)", {"_body": [str(exc)]}) from None
    problems: dict[str, list[str]] = {}
    _check_value(payload, "", limits, problems)
    if problems:
        raise Refused(400, "请求体超出允许范围 (values out of bounds)", problems)
    return payload


def _check_nesting(text: str, max_depth: int) -> None:
    """Refuses deep nesting before the parser recurses into it (linear, no recursion)."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > max_depth:
                raise Refused(400, f"JSON 嵌套过深，最多 {max_depth} 层 (nested deeper than {max_depth})",
                              {"_body": [f"最多嵌套 {max_depth} 层 at most {max_depth} levels"]})
        elif ch in "]}":
            depth -= 1


def _check_value(value, path: str, limits: Limits, problems: dict) -> None:
    where = path or "_body"
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        if value != value or abs(value) > limits.max_number:
            problems.setdefault(where, []).append(
                f"数值超出范围，绝对值不得超过 {limits.max_number} (number out of range)")
    elif isinstance(value, str):
        if len(value) > limits.max_string:
            problems.setdefault(where, []).append(
                f"文字过长，最多 {limits.max_string} 字 (string longer than {limits.max_string})")
    elif isinstance(value, list):
        if len(value) > limits.max_items:
            problems.setdefault(where, []).append(
                f"条目过多，最多 {limits.max_items} 条 (more than {limits.max_items} items)")
            return
        for i, item in enumerate(value):
            _check_value(item, f"{path}[{i}]" if path else f"[{i}]", limits, problems)
    elif isinstance(value, dict):
        if len(value) > limits.max_items:
            problems.setdefault(where, []).append(f"字段过多 (more than {limits.max_items} keys)")
            return
        for key, item in value.items():
            _check_value(item, f"{path}.{key}" if path else key, limits, problems)


def check_query(args: dict, limits: Limits = LIMITS) -> dict:
    """The query string as a dict, with every value bounded and paging numbers checked."""
    problems: dict[str, list[str]] = {}
    query = {}
    for key, value in args.items():
        if len(value) > limits.max_query_value:
            problems.setdefault(key, []).append(f"过长，最多 {limits.max_query_value} 字 (too long)")
            continue
        if key in ("limit", "offset"):
            top = limits.max_page if key == "limit" else limits.max_offset
            least = 1 if key == "limit" else 0
            if not (value.isascii() and value.isdigit()) or not least <= int(value) <= top:
                problems.setdefault(key, []).append(
                    f"须为 {least} 到 {top} 之间的整数 (an integer from {least} to {top})")
                continue
        query[key] = value
    if problems:
        raise Refused(400, "查询参数有误 (query out of bounds)", problems)
    return query


MAX_PATH_INT = 2 ** 53  # what every database and JSON reader holds exactly


def check_path(values: dict, limits: Limits = LIMITS) -> None:
    too_long = {k: [f"过长，最多 {limits.max_path_value} 字 (too long)"]
                for k, v in values.items() if len(str(v)) > limits.max_path_value}
    too_large = {k: [f"编号须在 0 到 {MAX_PATH_INT} 之间 (from 0 to {MAX_PATH_INT})"]
                 for k, v in values.items() if isinstance(v, int) and not 0 <= v <= MAX_PATH_INT}
    if too_long or too_large:
        raise Refused(400, "地址中的编号有误 (id out of bounds)", {**too_long, **too_large})


# -- routing --------------------------------------------------------------------------------

def resolve(url_map, request: Request, limits: Limits = LIMITS):
    """The route and RPC keyword arguments for a request, or an error Response."""
    adapter = url_map.bind_to_environ(request.environ)
    try:
        route, kwargs = adapter.match()
    except MethodNotAllowed as exc:
        return error_response(405, "method_not_allowed", f"{request.method} {request.path}",
                              allowed=sorted(exc.valid_methods or []))
    except RouteNotFound:
        return error_response(404, "not_found", f"没有此接口 no route {request.path}")
    route: Route
    try:
        check_path(kwargs, limits)
        if route.body_param:
            # a route that takes a large body (a roster file as base64) takes it as one long string
            body_limits = replace(limits, max_body=route.max_body, max_string=route.max_body) \
                if route.max_body else limits
            kwargs[route.body_param] = parse_body(read_body(request, body_limits.max_body), body_limits)
        if route.query_param:
            kwargs[route.query_param] = check_query(request.args, limits)
    except Refused as refused:
        return refused.response()
    return route, kwargs


def read_body(request: Request, max_body: int) -> bytes:
    """At most ``max_body`` bytes, whether or not the client said how many it sends."""
    too_large = Refused(413, f"请求内容过大，最多 {max_body // 1024} KB (body over {max_body} bytes)",
                        code="payload_too_large")
    length = request.content_length
    if length is not None and length > max_body:
        raise too_large
    data = request.stream.read(max_body + 1)
    if len(data) > max_body:
        raise too_large
    return data


# -- errors ---------------------------------------------------------------------------------

class ServiceTimeout(Exception):
    """No reply from a service within the gateway's deadline (the service is down or stuck)."""

    def __init__(self, service: str, method: str, seconds: float):
        super().__init__(f"{service}.{method}: no reply within {seconds:g}s")
        self.service = service


class ServiceUnavailable(Exception):
    """No service of that name is consuming its RPC queue."""

    def __init__(self, service: str, why: str | None = None):
        super().__init__(why or f"{service} is not running")
        self.service = service


def from_error(exc: Exception) -> Response:
    """The envelope for an exception a call raised. Unknown ones are our bugs: logged with an id."""
    if isinstance(exc, CocreateError):
        body = exc.to_dict()
        body["message"] = chinese_first(exc.http_status, body.get("message"))
        return json_response(body, exc.http_status)
    if isinstance(exc, Refused):
        return exc.response()
    if isinstance(exc, ServiceTimeout):
        return error_response(504, "service_timeout",
                              f"{exc.service} 服务未在时限内答复，请稍后用同一 Idempotency-Key 重试 ({exc})",
                              service=exc.service)
    if isinstance(exc, ServiceUnavailable):
        return error_response(503, "service_unavailable", f"{exc.service} 服务未运行 ({exc})",
                              service=exc.service)
    return internal_error(exc)


def from_http_exception(exc: HTTPException) -> Response:
    """werkzeug's own refusals (unknown page, wrong method, too large...) in the envelope."""
    status = exc.code or 500
    if status >= 500:
        return internal_error(exc)
    extra = {}
    if isinstance(exc, MethodNotAllowed):
        extra["allowed"] = sorted(exc.valid_methods or [])
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() in ("allow", "retry-after")]
    # werkzeug's descriptions are English prose; the status's Chinese text says it better
    return error_response(status, None, None, headers=headers, **extra)


def internal_error(exc: BaseException) -> Response:
    """A bug of ours: one log line with an id, the same id in the answer, no internals leaked."""
    ident = uuid.uuid4().hex[:12]
    log.error("internal error %s: %s: %s", ident, type(exc).__name__, exc,
              exc_info=(type(exc), exc, exc.__traceback__))
    return error_response(500, "internal_error", f"服务器内部错误，请联系运维并提供编号 {ident}", id=ident)


def oversized_url(environ, limits: Limits = LIMITS) -> bool:
    size = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
    return size > limits.max_url
