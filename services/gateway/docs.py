"""The API's own documentation: ``/openapi.json`` and a Swagger UI page at ``/docs`` whose
files come from a Python package (drf-spectacular-sidecar), so it works with no internet."""
from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path

from werkzeug.wrappers import Response

from . import openapi
from .http import error_response, json_response

try:
    import drf_spectacular_sidecar
    SWAGGER_DIR = Path(drf_spectacular_sidecar.__file__).parent / "static" / "drf_spectacular_sidecar" / "swagger-ui-dist"
except ImportError:  # pragma: no cover  the page then says what to install
    SWAGGER_DIR = None

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>cocreate 共同缔造 API 文档</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/swagger-ui-standalone-preset.js"></script>
<script src="/docs/static/init.js"></script></body></html>"""
INIT = """window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});"""


@lru_cache(maxsize=1)
def spec(routes: tuple) -> dict:
    return openapi.document(list(routes))


def openapi_json(routes) -> Response:
    return json_response(spec(tuple(routes)))


def page() -> Response:
    return Response(PAGE, mimetype="text/html")


def static(name: str) -> Response:
    if name == "init.js":
        return Response(INIT, mimetype="application/javascript")
    if SWAGGER_DIR is None:
        return error_response(404, "not_found", "未安装 drf-spectacular-sidecar (Swagger UI files)")
    path = (SWAGGER_DIR / name).resolve()
    if path.parent != SWAGGER_DIR.resolve() or not path.is_file():
        return error_response(404, "not_found", f"没有此文件 {name}")
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), mimetype=mimetype,
                    headers={"Cache-Control": "public, max-age=86400"})
