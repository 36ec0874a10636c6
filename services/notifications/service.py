"""共享 sharing: the public feed and village boards, 公示 with objections, the catch-up feed, and
fan-out to people and county systems."""
from datetime import timedelta

from nameko.dependency_providers import Config
from nameko.timer import timer

from services.kernel.db import get_or_404
from services.kernel.nameko_ext import Caller, Clock, Database, Policy, api, on_event

from . import board, publicity, schemas, sharing
from .dependencies import DeliveryLanes


class NotificationsService:
    name = "notifications"
    caller = Caller()  # who asks: a subscription is seen and ended by its owner only
    db = Database()
    clock = Clock()
    config = Config()
    lanes = DeliveryLanes()
    policy = Policy()            # notice periods of 公示 come from rules/publicity.yaml

    def _retention(self):
        return timedelta(days=float(self.config.get("EVENT_RETENTION_DAYS") or 90))

    @on_event("*")
    def share(self, event):
        now = self.clock.now()
        sharing.share(self.db, event, now)
        located = board.project(self.db, event, now)
        if any(publicity.kind_of(item) for item in located):
            params = self.policy.params("publicity")
            for item in located:
                publicity.open_for(self.db, item, params, now)

    @timer(interval=1)
    def deliver(self):
        self.lanes.tick()  # one lane per due subscriber: a slow receiver delays only itself

    @timer(interval=30)
    def close_notice_periods(self):
        publicity.finalise_due(self.db, self.clock.now())
        self.db.commit()

    @api(actor={"owner": "subject"})
    def subscribe(self, payload):
        data = schemas.SubscriptionIn().load(payload)
        sub = sharing.subscribe(self.db, data, self.clock.now(), self._retention(),
                                allow=self.config.get("WEBHOOK_ALLOW_NETWORKS") or ())
        return schemas.SubscriptionCreated().dump(sub)

    @api
    def unsubscribe(self, subscription_id):
        sub = sharing.subscription(self.db, subscription_id, self.caller)
        return schemas.SubscriptionOut().dump(sharing.unsubscribe(self.db, sub, self.clock.now()))

    @api
    def subscription(self, subscription_id):
        sub = sharing.subscription(self.db, subscription_id, self.caller)
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
        return [{**schemas.DeliveryOut().dump(d), "subscription_id": s.public_id, "subscriber": s.subscriber,
                 "event_id": n.cause_event_id, "event_type": n.cause_type} for d, s, n in rows]

    @api
    def replay_deliveries(self, delivery_ids=None, subscription_id=None):
        return sharing.replay(self.db, delivery_ids, self.clock.now(), subscription_id)

    @api
    def villages(self):
        return schemas.VillageOut(many=True).dump(board.villages(self.db))

    @api
    def village_board(self, village_id, query=None):
        q = schemas.BoardQuery().load(query or {})
        return schemas.BoardOut().dump(board.view(
            self.db, village_id, q["hamlet_id"], page=q["page"], per_page=q["per_page"],
            date_from=q["date_from"] and q["date_from"].isoformat(),
            date_to=q["date_to"] and q["date_to"].isoformat(), now=self.clock.now()))

    @api
    def list_publicity(self, village_id):
        return schemas.PublicityOut(many=True).dump(publicity.listing(self.db, village_id, self.clock.now()))

    @api(actor={"resident_id": "subject", "household_id": "household"})
    def lodge_objection(self, publicity_id, payload):
        data = schemas.ObjectionIn().load(payload)
        objection = publicity.lodge(self.db, int(publicity_id), data, self.clock.now())
        return schemas.ObjectionOut().dump({"objection_id": objection.id, "publicity_id": objection.publicity_id,
                                            "status": objection.status, "answer": None})

    @api(actor={"answered_by": "subject"})
    def answer_objection(self, objection_id, payload):
        data = schemas.AnswerIn().load(payload)
        objection = publicity.answer(self.db, int(objection_id), data, self.clock.now())
        return schemas.ObjectionOut().dump({"objection_id": objection.id, "publicity_id": objection.publicity_id,
                                            "status": objection.status, "answer": objection.answer})

    @api(actor={"resolved_by": "subject"})
    def resolve_publicity(self, publicity_id, payload):
        data = schemas.ResolveIn().load(payload)
        pub = publicity.resolve(self.db, int(publicity_id), data, self.clock.now())
        return schemas.PublicityOut().dump(publicity.public_view(pub, publicity.objections_of(self.db, pub),
                                                                 self.clock.now()))
