"""共享 sharing: the public board's feed and village boards, 公示 with objections, and fan-out."""
from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy
from nameko.timer import timer

from services.kernel.nameko_ext import Clock, Database, api, on_event

from . import board, delivery, publicity, schemas, sharing


class NotificationsService:
    name = "notifications"
    db = Database()
    clock = Clock()
    config = Config()
    policy = RpcProxy("rules")   # notice periods of 公示 come from rules/publicity.yaml

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
        delivery.deliver_due(self.db, self.clock.now(), self.config.get("SMTP") or {})

    @timer(interval=30)
    def close_notice_periods(self):
        publicity.finalise_due(self.db, self.clock.now())
        self.db.commit()

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

    @api
    def lodge_objection(self, publicity_id, payload):
        data = schemas.ObjectionIn().load(payload)
        objection = publicity.lodge(self.db, int(publicity_id), data, self.clock.now())
        return schemas.ObjectionOut().dump({"objection_id": objection.id, "publicity_id": objection.publicity_id,
                                            "status": objection.status, "answer": None})

    @api
    def answer_objection(self, objection_id, payload):
        data = schemas.AnswerIn().load(payload)
        objection = publicity.answer(self.db, int(objection_id), data, self.clock.now())
        return schemas.ObjectionOut().dump({"objection_id": objection.id, "publicity_id": objection.publicity_id,
                                            "status": objection.status, "answer": objection.answer})

    @api
    def resolve_publicity(self, publicity_id, payload):
        data = schemas.ResolveIn().load(payload)
        pub = publicity.resolve(self.db, int(publicity_id), data, self.clock.now())
        return schemas.PublicityOut().dump(publicity.public_view(pub, publicity.objections_of(self.db, pub),
                                                                 self.clock.now()))
