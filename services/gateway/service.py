"""The gateway: the HTTP API over every service's RPC, and the public board."""
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.kernel.errors import CocreateError
from services.kernel.identity import PUBLIC

from . import board
from .cluster import ClusterRpc
from .guard import Guard
from .http import from_error, json_response, resolve
from .routing import build_map, load_routes

URL_MAP = build_map(load_routes())


class GatewayService:
    name = "gateway"
    cluster = ClusterRpc()
    guard = Guard()      # identity: who calls (services/gateway/auth.py)

    @http("GET,POST,PUT,PATCH,DELETE", "/api/<path:path>")
    def api(self, request, path):
        resolved = resolve(URL_MAP, request)
        if isinstance(resolved, Response):
            return resolved
        route, kwargs = resolved
        # -- identity hook: the caller's Principal travels with every RPC below, or 401/403/429
        admitted = self.guard.admit(request, route.access, self.cluster)
        if isinstance(admitted, Response):
            return admitted
        # -- end of identity hook
        try:
            result = self.cluster.call(route.service, route.rpc_method, **kwargs)
        except Exception as exc:  # noqa: BLE001  every failure becomes an HTTP answer
            return from_error(exc)
        return json_response(result, route.status)

    @http("GET", "/")
    def board(self, request):
        admitted = self.guard.admit(request, PUBLIC, self.cluster)  # identity hook: rate limit only
        if isinstance(admitted, Response):
            return admitted
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
