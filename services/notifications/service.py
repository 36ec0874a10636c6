"""共享 sharing: the public feed, the catch-up feed, and fan-out to people and county systems."""
from datetime import timedelta

from nameko.dependency_providers import Config
from nameko.timer import timer

from services.kernel.db import get_or_404
from services.kernel.nameko_ext import Clock, Database, api, on_event

from . import schemas, sharing
from .dependencies import DeliveryLanes


class NotificationsService:
    name = "notifications"
    db = Database()
    clock = Clock()
    config = Config()
    lanes = DeliveryLanes()

    def _retention(self):
        return timedelta(days=float(self.config.get("EVENT_RETENTION_DAYS") or 90))

    @on_event("*")
    def share(self, event):
        sharing.share(self.db, event, self.clock.now())

    @timer(interval=1)
    def deliver(self):
        self.lanes.tick()  # one lane per due subscriber: a slow receiver delays only itself

    @api
    def subscribe(self, payload):
        data = schemas.SubscriptionIn().load(payload)
        sub = sharing.subscribe(self.db, data, self.clock.now(), self._retention(),
                                allow=self.config.get("WEBHOOK_ALLOW_NETWORKS") or ())
        return schemas.SubscriptionCreated().dump(sub)

    @api
    def unsubscribe(self, subscription_id):
        return schemas.SubscriptionOut().dump(sharing.unsubscribe(self.db, int(subscription_id), self.clock.now()))

    @api
    def subscription(self, subscription_id):
        sub = sharing.subscription(self.db, int(subscription_id))
        return {**schemas.SubscriptionOut().dump(sub),
                "deliveries": sharing.delivery_counts(self.db, sub.id)}

    @api
    def confirm(self, query=None):
        token = schemas.TokenQuery().load(query or {})["token"]
        sub = sharing.confirm(self.db, token, self.clock.now())
        return {"message": "订阅已确认，有新的公示会发到您的邮箱。", **schemas.SubscriptionOut().dump(sub)}

    @api
    def unsubscribe_link(self, query=None):
        token = schemas.TokenQuery().load(query or {})["token"]
        sub = sharing.unsubscribe_by_token(self.db, token, self.clock.now())
        return {"message": "已退订，不会再给您发送通知。", **schemas.SubscriptionOut().dump(sub)}

    @api
    def unsubscribe_one_click(self, query=None):
        """RFC 8058: the mail client POSTs ``List-Unsubscribe=One-Click`` to the header's URL."""
        return self.unsubscribe_link(query)

    @api
    def feed(self, query=None):
        q = schemas.FeedQuery().load(query or {})
        notices = sharing.feed(self.db, q["limit"], q["type"], q["before"])
        return schemas.NoticeOut(many=True).dump(notices)

    @api
    def events(self, query=None):
        q = schemas.EventsQuery().load(query or {})
        patterns = [p.strip() for p in (q["types"] or "").split(",") if p.strip()] or None
        notices, last = sharing.events_page(self.db, self.clock.now(), q["after"], patterns,
                                            q["limit"], self._retention())
        return {"events": [n.envelope for n in notices],
                "next": str(last) if last is not None else q["after"],
                "more": len(notices) == q["limit"]}

    @api
    def failed_deliveries(self, subscription_id=None):
        rows = sharing.failed_deliveries(self.db, subscription_id)
        return [{**schemas.DeliveryOut().dump(d), "subscriber": s.subscriber,
                 "event_id": n.cause_event_id, "event_type": n.cause_type} for d, s, n in rows]

    @api
    def replay_deliveries(self, delivery_ids=None, subscription_id=None):
        return sharing.replay(self.db, delivery_ids, self.clock.now(), subscription_id)
