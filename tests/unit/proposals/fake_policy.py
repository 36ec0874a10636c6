"""An in-test policy port with the documented contract (docs/policy-contract.md) and the
Organic Law defaults (arts. 22 and 26), for proposals tests that must not need the rules service.
"""
from __future__ import annotations

from services.kernel.errors import ValidationFailed

MAJOR_BUDGET = 100_000
# kind -> level -> (deadline hours, escalate to); past the last level it only waits.
DEADLINES = {
    "suggestion": {0: (72, "village"), 1: (72, "town"), 2: (120, "county")},
    "report": {0: (48, "village"), 1: (72, "town"), 2: (120, "county")},
}


def _need(facts, *names):
    missing = {n: ["missing fact"] for n in names if n not in facts}
    if missing:
        raise ValidationFailed.from_messages(missing)


class OrganicLawPolicy:
    def __init__(self, version: int = 1):
        self.version = version
        self.calls: list[tuple[str, dict]] = []

    def _decision(self, area, outcome, rule, reason, **values):
        return {"policy": area, "outcome": outcome, "reason": reason,
                "rule": {"id": f"{area}.{rule}", "version": self.version, "policy": area},
                "values": values}

    def params(self, area):
        return {"policy": area, "version": self.version, "params": {}}

    def decide(self, area, facts):
        self.calls.append((area, dict(facts)))
        return getattr(self, "_" + area)(facts)

    def _major_matter(self, facts):
        _need(facts, "scope", "estimated_budget")
        if facts["scope"] == "village" or facts["estimated_budget"] >= MAJOR_BUDGET:
            return self._decision("major_matter", "major", "budget_or_scope",
                                  f"scope {facts['scope']}, budget {facts['estimated_budget']}",
                                  bodies=["party_members_meeting", "representatives_assembly"])
        return self._decision("major_matter", "ordinary", "default", "a hamlet matter",
                              bodies=["hamlet_meeting"])

    def _quorum(self, facts):
        _need(facts, "body", "members", "present")
        body, members, present = facts["body"], facts["members"], facts["present"]
        households, households_present = facts.get("households"), facts.get("households_present")
        if body == "representatives_assembly":
            quorum = present * 3 >= members * 2                     # art. 26: two thirds
        else:
            quorum = present * 2 > members                          # art. 22: more than half
            if body != "party_members_meeting" and households:
                quorum = quorum or households_present * 3 >= households * 2   # or 2/3 of households
        if not quorum:
            return self._decision("quorum", "no_quorum", f"{body}.quorum", f"{present}/{members} present")
        approved = facts.get("votes_for", 0) * 2 > present          # majority of those present
        return self._decision("quorum", "approved" if approved else "rejected", f"{body}.majority",
                              f"{facts.get('votes_for', 0)} of {present} for",
                              majority_needed=present // 2 + 1)

    def _deadlines(self, facts):
        _need(facts, "kind", "level", "age_hours")
        step = DEADLINES[facts["kind"]].get(facts["level"])
        if step is None:
            return self._decision("deadlines", "wait", "top", "no level above", deadline_hours=None)
        hours, to = step
        outcome = "escalate" if facts["age_hours"] >= hours else "wait"
        return self._decision("deadlines", outcome, f"{facts['kind']}.level{facts['level']}",
                              f"{facts['age_hours']}h of {hours}h", deadline_hours=hours,
                              escalate_to=to)
