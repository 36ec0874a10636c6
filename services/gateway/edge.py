"""One API request end to end, free of nameko: bounds, idempotency key, the RPC, the answer."""
from __future__ import annotations

import hashlib
import json

from werkzeug.wrappers import Request, Response

from . import http
from .http import Refused

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY = 200


def idempotency_context(request: Request, kwargs: dict) -> dict:
    """What the service needs to apply a keyed write once: the key, and a digest of the
    request so that the same key with another body is refused rather than answered wrongly."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return {}
    if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise Refused(400, f"Idempotency-Key 须为 1 到 {MAX_KEY} 个可打印 ASCII 字符",
                      {IDEMPOTENCY_HEADER: [f"1..{MAX_KEY} printable ASCII characters"]})
    digest = hashlib.sha256(json.dumps([request.method, request.path, kwargs], sort_keys=True,
                                       ensure_ascii=False, default=str).encode()).hexdigest()
    return {"idempotency_key": key, "idempotency_digest": digest}


def call_api(url_map, request: Request, cluster, admit=None) -> Response:
    resolved = http.resolve(url_map, request)
    if isinstance(resolved, Response):
        return resolved
    route, kwargs = resolved
    if admit is not None:  # identity: the caller's Principal, or a 401/403/429 (guard.py)
        denied = admit(request, route)
        if isinstance(denied, Response):
            return denied
    try:
        context = idempotency_context(request, kwargs) if request.method != "GET" else {}
        result = cluster.call(route.service, route.rpc_method, context=context, **kwargs)
    except Exception as exc:  # noqa: BLE001  every failure becomes an HTTP answer
        return http.from_error(exc)
    if route.download:  # a table (services.kernel.tables) sent as an .xlsx or CSV file
        return http.download_response(result, request.args.get("format", "xlsx"))
    return http.json_response(result, route.status)
