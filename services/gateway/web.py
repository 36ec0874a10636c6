"""nameko's web server with the gateway's edge: one JSON envelope for every refusal.

nameko answers what it refuses itself (no such page, wrong method) with werkzeug's HTML, an
exception in an entrypoint with plain text, and eventlet refuses long request lines with an
empty body. Here every one of them is the envelope of ``services.gateway.http``.
"""
from __future__ import annotations

from logging import getLogger

from eventlet import wsgi
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from . import http as edge

# eventlet's own limit answers 414 with an empty body; ours answers first, in the envelope.
EVENTLET_URL_LIMIT = 64 * 1024


class EdgeApp(WsgiApp):
    def __call__(self, environ, start_response):
        if edge.oversized_url(environ):
            response = edge.error_response(414, "uri_too_long",
                                           f"请求地址过长，最多 {edge.LIMITS.max_url} 字 (URI too long)")
            return response(environ, start_response)
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            response = edge.from_http_exception(exc)
        except Exception as exc:  # noqa: BLE001  a bug of ours still answers in the envelope
            response = edge.internal_error(exc)
        return response(environ, start_response)


class EdgeServer(WebServer):
    def get_wsgi_app(self):
        return EdgeApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        return wsgi.Server(sock, sock.getsockname(), wsgi_app, protocol=protocol, debug=debug,
                           log=getLogger(__name__), url_length_limit=EVENTLET_URL_LIMIT)


class Http(HttpRequestHandler):
    """``@http(method, url)``; ``inline=answer`` answers in the web server's own green thread,
    without taking one of the container's workers: a probe (``/healthz``) is never queued
    behind slow calls however busy the workers are."""

    server = EdgeServer()

    def __init__(self, method, url, inline=None, **kwargs):
        self.inline = inline
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        if self.inline is not None:
            return self.inline(request)
        return super().handle_request(request)

    def response_from_exception(self, exc):
        if isinstance(exc, HTTPException):
            return edge.from_http_exception(exc)
        return edge.from_error(exc)


http = Http.decorator
