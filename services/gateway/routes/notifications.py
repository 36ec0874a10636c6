from services.gateway.routing import Route

ROUTES = [
    Route("GET", "/api/board/feed", "notifications", "feed", query=True),
    Route("GET", "/api/board/villages", "notifications", "villages"),
    Route("GET", "/api/board/villages/<village_id>", "notifications", "village_board", query=True),
    Route("GET", "/api/board/villages/<village_id>/publicity", "notifications", "list_publicity"),
    Route("POST", "/api/publicity/<int:publicity_id>/objections", "notifications", "lodge_objection",
          body=True, status=201),
    Route("POST", "/api/objections/<int:objection_id>/answer", "notifications", "answer_objection", body=True),
    Route("POST", "/api/publicity/<int:publicity_id>/resolve", "notifications", "resolve_publicity", body=True),
    Route("POST", "/api/subscriptions", "notifications", "subscribe", body=True, status=201),
    Route("GET", "/api/subscriptions/<int:subscription_id>", "notifications", "subscription"),
    # the links in emails: double opt-in, and unsubscribe (GET from the body, POST one-click)
    Route("GET", "/api/subscriptions/confirm", "notifications", "confirm", query=True,
          response="LinkAnswer"),
    Route("GET", "/api/subscriptions/unsubscribe", "notifications", "unsubscribe_link", query=True,
          response="LinkAnswer"),
    Route("POST", "/api/subscriptions/unsubscribe", "notifications", "unsubscribe_one_click", query=True,
          request="TokenQuery", response="LinkAnswer"),
    # catch-up: stored events after a cursor, oldest first
    Route("GET", "/api/events", "notifications", "events", query=True, response="EventsPage"),
    Route("DELETE", "/api/subscriptions/<int:subscription_id>", "notifications", "unsubscribe"),
]

# OpenAPI: the one answer its method builds on top of a schema's dump
RESPONSES = {"subscription": "SubscriptionDetailOut"}
