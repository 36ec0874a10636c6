from services.gateway.routing import Route

ROUTES = [
    Route("GET", "/api/board/feed", "notifications", "feed", query=True),
    Route("POST", "/api/subscriptions", "notifications", "subscribe", body=True, status=201),
    Route("GET", "/api/subscriptions/<int:subscription_id>", "notifications", "subscription"),
    Route("DELETE", "/api/subscriptions/<int:subscription_id>", "notifications", "unsubscribe"),
]

# OpenAPI: the one answer its method builds on top of a schema's dump
RESPONSES = {"subscription": "SubscriptionDetailOut"}
