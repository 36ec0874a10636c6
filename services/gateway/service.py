"""The gateway: the HTTP API over every service's RPC, and the public board."""
from werkzeug.wrappers import Response

from services.kernel.errors import CocreateError
from services.kernel.identity import PUBLIC

from . import board, docs, edge, pages
from .catalogue import CatalogueRoutes
from .cluster import ClusterRpc
from .guard import Guard
from .http import json_response
from .routing import build_map, load_routes
from .web import http

ROUTES = tuple(load_routes())


def healthz(_request):
    return json_response({"status": "ok"})

URL_MAP = build_map(list(ROUTES))


class GatewayService(CatalogueRoutes):  # + /asyncapi.json and the events' JSON Schemas
    name = "gateway"
    cluster = ClusterRpc()
    guard = Guard()      # identity: who calls (services/gateway/auth.py)

    @http("GET,POST,PUT,PATCH,DELETE", "/api/<path:path>")
    def api(self, request, path):
        # identity hook: the caller's Principal travels with the RPC, or 401/403/429 (guard.py)
        return edge.call_api(URL_MAP, request, self.cluster,
                             admit=lambda req, route: self.guard.admit(req, route.access, self.cluster))

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

    @http("GET", "/v/")
    def villages(self, request):
        return pages.serve(request, "", self.cluster.call)

    @http("GET", "/v/<path:rest>")
    def village_board(self, request, rest):
        return pages.serve(request, rest, self.cluster.call)

    @http("GET", "/openapi.json")
    def openapi(self, request):
        return docs.openapi_json(ROUTES)

    @http("GET", "/docs")
    def docs_page(self, request):
        return docs.page()

    @http("GET", "/docs/static/<name>")
    def docs_static(self, request, name):
        return docs.static(name)

    @http("GET", "/healthz", inline=healthz)  # never waits for a worker (services/gateway/web.py)
    def health(self, request):
        return healthz(request)
