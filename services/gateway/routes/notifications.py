from services.gateway.routing import Route
from services.kernel.identity import (COUNTY_OPERATOR, EVERYONE, INTEGRATION, PUBLIC, SUPERVISOR,
                                       VILLAGE_CADRE, VILLAGE_SIDE)

ROUTES = [
    Route("GET", "/api/board/feed", "notifications", "feed", query=True, access=PUBLIC),
    Route("GET", "/api/board/villages", "notifications", "villages", access=PUBLIC),
    Route("GET", "/api/board/villages/<village_id>", "notifications", "village_board", query=True,
          access=PUBLIC),
    Route("GET", "/api/board/villages/<village_id>/publicity", "notifications", "list_publicity",
          access=PUBLIC),
    # 异议 an objection by a villager during 公示; the supervision committee answers and resolves
    Route("POST", "/api/publicity/<int:publicity_id>/objections", "notifications", "lodge_objection",
          body=True, status=201, access=VILLAGE_SIDE),
    Route("POST", "/api/objections/<int:objection_id>/answer", "notifications", "answer_objection",
          body=True, access=(SUPERVISOR,)),
    Route("POST", "/api/publicity/<int:publicity_id>/resolve", "notifications", "resolve_publicity",
          body=True, access=(SUPERVISOR, VILLAGE_CADRE)),
    Route("POST", "/api/subscriptions", "notifications", "subscribe", body=True, status=201, access=EVERYONE),
    Route("GET", "/api/subscriptions/<subscription_id>", "notifications", "subscription", access=EVERYONE),
    # the links in emails: double opt-in, and unsubscribe (GET from the body, POST one-click);
    # the token in the link is the proof
    Route("GET", "/api/subscriptions/confirm", "notifications", "confirm", query=True,
          response="LinkAnswer", access=PUBLIC),
    Route("GET", "/api/subscriptions/unsubscribe", "notifications", "unsubscribe_link", query=True,
          response="LinkAnswer", access=PUBLIC),
    Route("POST", "/api/subscriptions/unsubscribe", "notifications", "unsubscribe_one_click", query=True,
          request="TokenQuery", response="LinkAnswer", access=PUBLIC),
    # catch-up: stored events after a cursor, oldest first
    Route("GET", "/api/events", "notifications", "events", query=True, response="EventsPage",
          access=(INTEGRATION, COUNTY_OPERATOR)),
    Route("DELETE", "/api/subscriptions/<subscription_id>", "notifications", "unsubscribe", access=EVERYONE),
]

# OpenAPI: the one answer its method builds on top of a schema's dump
RESPONSES = {"subscription": "SubscriptionDetailOut"}
