"""The gateway: the HTTP API over every service's RPC, and the public board."""
from werkzeug.wrappers import Response

from services.kernel.errors import CocreateError

from . import board, docs, edge
from .cluster import ClusterRpc
from .http import json_response
from .routing import build_map, load_routes
from .web import http

ROUTES = tuple(load_routes())
URL_MAP = build_map(list(ROUTES))


class GatewayService:
    name = "gateway"
    cluster = ClusterRpc()

    @http("GET,POST,PUT,PATCH,DELETE", "/api/<path:path>")
    def api(self, request, path):
        return edge.call_api(URL_MAP, request, self.cluster)

    @http("GET", "/")
    def board(self, request):
        try:
            notices, unavailable = self.cluster.call("notifications", "feed", query={"limit": 100}), None
        except CocreateError as exc:
            notices, unavailable = [], str(exc)
        except Exception as exc:  # noqa: BLE001  the page still renders, saying what is missing
            notices, unavailable = [], f"feed unavailable: {type(exc).__name__}"
        return Response(board.render(notices, unavailable), mimetype="text/html")

    @http("GET", "/openapi.json")
    def openapi(self, request):
        return docs.openapi_json(ROUTES)

    @http("GET", "/docs")
    def docs_page(self, request):
        return docs.page()

    @http("GET", "/docs/static/<name>")
    def docs_static(self, request, name):
        return docs.static(name)

    @http("GET", "/healthz")
    def health(self, request):
        return json_response({"status": "ok"})
