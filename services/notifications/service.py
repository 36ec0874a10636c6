"""共享 sharing: the public board's feed, and fan-out to people and county systems."""
from nameko.dependency_providers import Config
from nameko.timer import timer

from services.kernel.nameko_ext import Clock, Database, api, on_event

from . import delivery, schemas, sharing


class NotificationsService:
    name = "notifications"
    db = Database()
    clock = Clock()
    config = Config()

    @on_event("*")
    def share(self, event):
        sharing.share(self.db, event, self.clock.now())

    @timer(interval=1)
    def deliver(self):
        delivery.deliver_due(self.db, self.clock.now(), self.config.get("SMTP") or {})

    @api
    def subscribe(self, payload):
        data = schemas.SubscriptionIn().load(payload)
        return schemas.SubscriptionOut().dump(sharing.subscribe(self.db, data))

    @api
    def unsubscribe(self, subscription_id):
        return schemas.SubscriptionOut().dump(sharing.unsubscribe(self.db, int(subscription_id)))

    @api
    def subscription(self, subscription_id):
        sub = sharing.subscription(self.db, int(subscription_id))
        return {**schemas.SubscriptionOut().dump(sub),
                "deliveries": sharing.delivery_counts(self.db, sub.id)}

    @api
    def feed(self, query=None):
        q = schemas.FeedQuery().load(query or {})
        notices = sharing.feed(self.db, q["limit"], q["type"], q["before"])
        return schemas.NoticeOut(many=True).dump(notices)
