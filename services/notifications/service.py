"""共享 sharing: the public board's feed, and fan-out to people and county systems."""
from nameko.dependency_providers import Config
from nameko.timer import timer

from services.kernel.db import get_or_404
from services.kernel.clock import SystemClock
from services.kernel.nameko_ext import Database, api, on_event

from . import mail, schemas, sharing, webhooks


class NotificationsService:
    name = "notifications"
    db = Database()
    clock = SystemClock()
    config = Config()

    @on_event("*")
    def share(self, event):
        sharing.share(self.db, event, self.clock.now())

    @timer(interval=1)
    def deliver(self):
        now = self.clock.now()
        for delivery, subscription, notice in sharing.due_deliveries(self.db, now):
            if subscription.url:
                error = webhooks.post(subscription.url, notice.envelope, subscription.secret)
            else:
                error = mail.send(self.config.get("SMTP") or {}, subscription.email, notice)
            sharing.record_attempt(delivery, now, error)
            self.db.commit()  # one delivery's outcome must not wait on the next peer

    @api
    def subscribe(self, payload):
        data = schemas.SubscriptionIn().load(payload)
        return schemas.SubscriptionOut().dump(sharing.subscribe(self.db, data))

    @api
    def unsubscribe(self, subscription_id):
        return schemas.SubscriptionOut().dump(sharing.unsubscribe(self.db, int(subscription_id)))

    @api
    def subscription(self, subscription_id):
        sub = get_or_404(self.db, sharing.Subscription, int(subscription_id), "subscription")
        return {**schemas.SubscriptionOut().dump(sub),
                "deliveries": sharing.delivery_counts(self.db, sub.id)}

    @api
    def feed(self, query=None):
        q = schemas.FeedQuery().load(query or {})
        notices = sharing.feed(self.db, q["limit"], q["type"], q["before"])
        return schemas.NoticeOut(many=True).dump(notices)
