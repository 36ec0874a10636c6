"""A small in-test policy port implementing docs/policy-contract.md for the areas we ask."""
from __future__ import annotations

import json

from sqlalchemy import select

from services.kernel.db import outbox_table
from services.kernel.errors import ValidationFailed


def _rule(area, name, version=1):
    return {"id": f"{area}.{name}", "version": version, "policy": area}


class FakePolicy:
    """Numbers chosen for the tests: the real ones live in rules/*.yaml."""

    def __init__(self, window="quarter", counts=("contribution", "meeting", "activity"),
                 min_crowd_share=0.1, first_n=3):
        self.window = window
        self.counts = list(counts)
        self.min_crowd_share = min_crowd_share
        self.first_n = first_n
        self.asked = []

    def params(self, area):
        self.asked.append(("params", area, None))
        if area == "participation":
            return {"policy": area, "version": 2, "params": {"counts": self.counts, "window": self.window}}
        if area == "labour":
            return {"policy": area, "version": 1, "params": {"first_n": self.first_n, "hours_per_day": 8}}
        raise ValidationFailed.from_messages({"area": [f"unknown area {area}"]})

    def decide(self, area, facts):
        self.asked.append(("decide", area, facts))
        if area == "demolition":
            if facts["request"] == "compensation":
                return {"policy": area, "outcome": "refused",
                        "reason": "拆违拆旧一律无补偿: demolition is never compensated",
                        "rule": _rule(area, "no_compensation"), "values": {}}
            return {"policy": area, "outcome": "accepted", "reason": "四个一律",
                    "rule": _rule(area, "register"),
                    "values": {"land_use": "public", "salvage": "reuse_on_site"}}
        if area == "labour":
            if facts["check"] == "eligibility":
                ok = facts["project_scope"] == "village" or facts["project_hamlet_id"] == facts["contributor_hamlet_id"]
                return {"policy": area, "outcome": "allowed" if ok else "refused",
                        "reason": "小组事小组上" if not ok else "allowed",
                        "rule": _rule(area, "eligibility"), "values": {}}
            first = facts["first_contributors"][:self.first_n]
            led = any(c["party_member"] or c["cadre"] for c in first)
            return {"policy": area, "outcome": "ok" if led else "flag",
                    "reason": "党员干部带头上" if led else f"no party member or cadre among the first {self.first_n}",
                    "rule": _rule(area, "leadership"), "values": {"first_n": self.first_n}}
        if area == "funding_mix":
            release = facts["crowd_share"] >= self.min_crowd_share
            return {"policy": area, "outcome": "release" if release else "hold",
                    "reason": f"crowd share {facts['crowd_share']:.2f} vs {self.min_crowd_share}",
                    "rule": _rule(area, "min_crowd_share"), "values": {"min_crowd_share": self.min_crowd_share}}
        raise ValidationFailed.from_messages({"area": [f"unknown area {area}"]})


def emitted(session, name=None):
    """Events stored in the outbox, in order: [(name, data)]."""
    rows = session.execute(select(outbox_table.c.event_type, outbox_table.c.body)
                           .order_by(outbox_table.c.id)).all()
    return [(t, json.loads(b)["data"]) for t, b in rows if name is None or t == name]
