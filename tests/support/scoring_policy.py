"""The scoring tests' hand-written policy (docs/policy-contract.md for the areas scoring asks).

The last hand-written policy: the other services' tests use ``tests.support.policy.FixturePolicy``
(the real engine over fixture rule files). Its numbers (uncapped deeds, the titles and
assessment formulas) are not yet expressed as fixture rule files; until they are, keep it in
step with services/rules/computations.py by hand.
"""
from __future__ import annotations

from datetime import date

from services.kernel.errors import ValidationFailed

VERSION = 7
DEEDS = {  # deed_code: (points, cap per quarter or None)
    "labour_hour": (2, 40),
    "helped_neighbour": (4, 10),
    "quarterly_rating": (3, None),
    "cleaning_day_excellent": (3, None),
    "cleaning_day_good": (2, None),
    "cleaning_day_fair": (0, None),
    "cleaning_day_poor": (-2, None),
    "littering": (-5, None),
}
SUPERMARKET = {"min_balance_to_redeem": 1, "max_redemptions_per_month": 5}
TEN_STAR = {"honour_points": 30, "rating_stars": 9}
PERSONAL_MIN_HONOUR = 20
WEIGHTS = {"environment": 0.5, "facilities": 0.2, "management": 0.3}
THRESHOLD = 85


def _decision(area, outcome, rule_id, reason="", **values):
    return {"policy": area, "outcome": outcome, "reason": reason,
            "rule": {"id": f"{area}.{rule_id}", "version": VERSION, "policy": area}, "values": values}


TITLES = {  # the titles catalogue (titles.yaml params.titles) as scoring reads it
    "ten_star_household": {"label": "十星级文明户", "requires_nomination": False},
    "good_mother_in_law": {"label": "好婆婆", "requires_nomination": True},
    "good_daughter_in_law": {"label": "好媳妇", "requires_nomination": True},
}


class FakePolicy:
    def __init__(self, deeds=None, supermarket=None, award_every="quarter", titles=None):
        self.deeds = dict(DEEDS if deeds is None else deeds)
        self.supermarket = dict(SUPERMARKET if supermarket is None else supermarket)
        self.award_every = award_every
        self.titles = dict(TITLES if titles is None else titles)
        self.calls = []

    def params(self, area):
        self.calls.append(("params", area, None))
        if area == "beautiful_hamlet":
            return {"policy": area, "version": VERSION, "params": {
                "criteria": {c: {"weight": w} for c, w in WEIGHTS.items()}, "threshold": THRESHOLD}}
        if area == "titles":
            return {"policy": area, "version": VERSION,
                    "params": {"award_every": self.award_every, "titles": dict(self.titles)}}
        if area != "civility_points":
            raise ValidationFailed.from_messages({"area": [f"unknown area {area}"]})
        return {"policy": area, "version": VERSION,
                "params": {"deeds": {k: {"points": p, "cap_per_period": c} for k, (p, c) in self.deeds.items()},
                           "love_supermarket": dict(self.supermarket)}}

    def decide(self, area, facts):
        self.calls.append(("decide", area, facts))
        return getattr(self, "_" + area)(facts)

    def _civility_points(self, facts):
        code = facts["deed_code"]
        if code not in self.deeds:
            return _decision("civility_points", "unknown", "unknown_deed", f"no deed {code}")
        points, cap = self.deeds[code]
        return _decision("civility_points", "deduct" if points < 0 else "award", code, code,
                         points=points, label=code, cap_per_period=cap, period="quarter")

    def _titles(self, facts):
        honour, stars = facts["honour_points"], facts["rating_stars"]
        earned = []
        if honour >= TEN_STAR["honour_points"] and stars >= TEN_STAR["rating_stars"]:
            earned.append({"code": "ten_star_household", "threshold": dict(TEN_STAR)})
        for code in ("good_mother_in_law", "good_daughter_in_law"):
            if code in (facts.get("nominations") or []) and honour >= PERSONAL_MIN_HONOUR:
                earned.append(code)  # the contract allows plain codes too
        return _decision("titles", "titles", "thresholds", titles=earned)

    def _party_assessment(self, facts):
        base = 80
        score = base + 5 * len(facts.get("positives") or []) - 10 * len(facts.get("negatives") or [])
        outcome = ("excellent" if score >= 90 else "qualified" if score >= 70
                   else "basically_qualified" if score >= 60 else "unqualified")
        return _decision("party_assessment", outcome, facts["category"], score=score, base=base)

    def _reviews(self, facts):
        """半年评议 (calendar and satisfaction) by the real engine over the fixture rule files."""
        from tests.support.policy import FixturePolicy
        return FixturePolicy().decide("reviews", facts)

    def _beautiful_hamlet(self, facts):
        scores = facts["scores"]
        missing = [c for c in WEIGHTS if c not in scores]
        if missing:
            raise ValidationFailed.from_messages({f"scores.{c}": ["missing criterion"] for c in missing})
        onsite = sum(WEIGHTS[c] * scores[c] for c in WEIGHTS)
        total = round(0.7 * onsite + 30 * facts["satisfaction"], 2)
        return _decision("beautiful_hamlet", "awarded" if total >= THRESHOLD else "not_awarded", "weighted",
                         total=total, threshold=THRESHOLD, weights=WEIGHTS)
