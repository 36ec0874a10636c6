"""A small stand-in for the rules service: the policy port over RPC, and the participation-first
allocation of a closed funding round (highest participation first, while the budget lasts)."""
from __future__ import annotations

from decimal import Decimal

from services.kernel import outbox
from services.kernel.db import make_base
from services.kernel.nameko_ext import Database, api, on_event
from tests.unit.contributions.fakes import FakePolicy

Base = make_base()
RULE = {"id": "funding.participation_first", "version": 7, "policy": "funding"}


class FakeRulesService:
    name = "rules"
    db = Database(metadata=Base.metadata)
    book = FakePolicy()

    @api
    def decide(self, area, facts):
        return self.book.decide(area, facts)

    @api
    def params(self, area):
        return self.book.params(area)

    @on_event("funding_round.closed")
    def allocate(self, event):
        data = event.data
        left = Decimal(data["budget"])
        ranking = []
        ordered = sorted(data["requests"], key=lambda r: (-r["participation_rate"], r["requested_at"]))
        for rank, request in enumerate(ordered, start=1):
            granted = min(left, request["amount"])
            left -= granted
            ranking.append({"request_id": request["request_id"], "hamlet_id": request["hamlet_id"],
                            "project_id": request["project_id"], "rank": rank,
                            "participation_rate": request["participation_rate"],
                            "amount": str(request["amount"]), "funded": granted > 0,
                            "granted": str(granted), "reason": f"participation {request['participation_rate']:.2f}",
                            "requested_at": request["requested_at"].isoformat()})
        outbox.emit(self.db, "funding_round.allocated", {
            "round_id": data["round_id"], "budget": str(data["budget"]), "ranking": ranking,
            "remaining": str(left), "override": None, "reason": "participation first",
            "cause_event_id": event.id, "rule": RULE})
