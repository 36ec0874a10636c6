from services.gateway.routing import Route
from services.kernel.identity import EVERYONE, PUBLIC

ROUTES = [
    Route("GET", "/api/board/feed", "notifications", "feed", query=True, access=PUBLIC),
    Route("POST", "/api/subscriptions", "notifications", "subscribe", body=True, status=201, access=EVERYONE),
    Route("GET", "/api/subscriptions/<int:subscription_id>", "notifications", "subscription", access=EVERYONE),
    Route("DELETE", "/api/subscriptions/<int:subscription_id>", "notifications", "unsubscribe", access=EVERYONE),
]
