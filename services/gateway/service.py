"""The gateway: the HTTP API over every service's RPC, and the public board."""
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.kernel.errors import CocreateError

from . import board
from .cluster import ClusterRpc
from .http import download_response, from_error, json_response, resolve
from .routing import build_map, load_routes

URL_MAP = build_map(load_routes())


class GatewayService:
    name = "gateway"
    cluster = ClusterRpc()

    @http("GET,POST,PUT,PATCH,DELETE", "/api/<path:path>")
    def api(self, request, path):
        resolved = resolve(URL_MAP, request)
        if isinstance(resolved, Response):
            return resolved
        route, kwargs = resolved
        try:
            result = self.cluster.call(route.service, route.rpc_method, **kwargs)
        except Exception as exc:  # noqa: BLE001  every failure becomes an HTTP answer
            return from_error(exc)
        if route.download:
            return download_response(result, request.args.get("format", "xlsx"))
        return json_response(result, route.status)

    @http("GET", "/")
    def board(self, request):
        try:
            notices, unavailable = self.cluster.call("notifications", "feed", query={"limit": 100}), None
        except CocreateError as exc:
            notices, unavailable = [], str(exc)
        except Exception as exc:  # noqa: BLE001  the page still renders, saying what is missing
            notices, unavailable = [], f"feed unavailable: {type(exc).__name__}"
        return Response(board.render(notices, unavailable), mimetype="text/html")

    @http("GET", "/healthz")
    def health(self, request):
        return json_response({"status": "ok"})
