"""Events in, decisions out: what the rules service does when the bus tells it something.

Each function takes the event's data (already loaded through the catalogue schema), asks the
policy book, and returns the payload of the decision event (or None when the rules decide that
nothing is to be emitted). The service stores that payload through the outbox in the same
transaction as the processed-event marker, so a redelivered event decides nothing twice.
"""
from __future__ import annotations

import logging
from datetime import timezone
from decimal import Decimal

from services.kernel import outbox
from services.kernel.errors import PolicyRefused

from . import schedules
from .engine import json_safe

log = logging.getLogger(__name__)


def points_for_deed(book, data: dict, cause_event_id: str) -> dict | None:
    """好人好事 -> 乡风文明积分: the points the deed catalogue gives, with the rule that gave them."""
    decision = book.decide("civility_points", {"deed_code": data["deed_code"]})
    if decision["outcome"] not in ("award", "deduct"):
        # Never dropped silently: the event is parked with the reason and the valid codes; once
        # the code is added to the catalogue and published, `cocreate dlq replay` awards it.
        known = sorted(book.params("civility_points")["params"]["deeds"])
        raise PolicyRefused({
            "message": f"好人好事 {data.get('deed_id')} 的事项代码 {data['deed_code']!r} 不在积分目录中："
                       f"请政策人员在 civility_points.yaml 的 deeds 里加上它并发布，再重放本事件"
                       f"（cocreate dlq replay）；现有代码：{', '.join(known)}"
                       f" — deed code not in the catalogue",
            "deed_code": data["deed_code"], "known": known, "rule": decision["rule"]})
    return {
        "household_id": data["household_id"], "resident_id": data.get("resident_id"),
        "hamlet_id": data.get("hamlet_id"), "deed_code": data["deed_code"],
        "points": int(decision["values"]["points"]), "reason": decision["reason"],
        "cause_event_id": cause_event_id, "rule": decision["rule"],
    }


def allocation_for_round(book, data: dict, cause_event_id: str) -> dict:
    """参与优先: rank a closed round's requests and allocate its budget by the funding rule."""
    facts = json_safe({"round_id": data["round_id"], "budget": data["budget"],
                       "requests": [dict(r) for r in data["requests"]]})
    override = data.get("override")
    refused = None
    if override:
        facts["override"] = json_safe(dict(override))
    decision = book.decide("funding", facts)
    if decision["outcome"] == "refused":
        # The round must still be allocated: by participation alone, with the refusal on record.
        refused = f"{decision['reason']} ({decision['rule']['id']} v{decision['rule']['version']})"
        facts.pop("override")
        decision = book.decide("funding", facts)
    if decision["outcome"] != "allocated":
        raise PolicyRefused({"message": f"funding rule answered {decision['outcome']}", "rule": decision["rule"]})
    values = decision["values"]
    return {
        "round_id": data["round_id"], "budget": facts["budget"], "ranking": values["ranking"],
        "remaining": values["remaining"], "override": values.get("override"),
        "override_refused": refused, "reason": decision["reason"],
        "cause_event_id": cause_event_id, "rule": decision["rule"],
    }


def on_good_deed(session, book, event) -> dict | None:
    payload = points_for_deed(book, event.data, event.id)
    if payload is not None:
        outbox.emit(session, "points.decided", payload, subject=f"household/{payload['household_id']}")
    return payload


def on_funding_round_closed(session, book, event) -> dict:
    payload = allocation_for_round(book, event.data, event.id)
    outbox.emit(session, "funding_round.allocated", payload, subject=f"funding_round/{payload['round_id']}")
    return payload


# -- 半年评议 reviews scheduled from a motion's lifecycle ---------------------------------------

REVIEW_KIND = {"major": "major", "ordinary": "small"}  # 重大事务 -> major project, else small


def review_kind(book, data: dict) -> str:
    """major or small: the motion's own class (set by the major_matter rule when it was raised),
    or, for a motion.transitioned without one, the major_matter rule asked now."""
    matter = data.get("matter")
    if matter is None:
        budget = Decimal(str(data.get("estimated_budget") or 0))
        matter = book.decide("major_matter", {
            "scope": data["scope"], "kind": data.get("kind") or "other",
            "estimated_budget": int(budget) if budget == budget.to_integral_value() else float(budget),
        })["outcome"]
    return REVIEW_KIND[matter]


def review_for_motion(book, data: dict) -> dict | None:
    """The review a motion's step starts, or None: a review is counted from the state the
    reviews file names per kind (``start_on``: completed or approved)."""
    kind = review_kind(book, data)
    start_on = book.params("reviews")["params"]["kinds"][kind]["start_on"]
    if data["to_state"] != start_on:
        return None
    return {"subject": f"motion/{data['motion_id']}", "kind": kind,
            "since": data["at"].astimezone(timezone.utc).date(),
            "context": {"motion_id": data["motion_id"], "title": data["title"],
                        "village_id": data["village_id"], "hamlet_id": data.get("hamlet_id")}}


def on_motion_transitioned(session, book, now, event):
    """Schedule the motion's review when it reaches ``start_on``; a withdrawn motion is not reviewed."""
    if event.data["to_state"] == "withdrawn":
        return schedules.stop_watching(session, now, kind=schedules.REVIEW,
                                       subject=f"motion/{event.data['motion_id']}")
    request = review_for_motion(book, event.data)
    if request is None:
        return None
    return schedules.schedule_review(session, book, now, **request)


def on_review_completed(session, now, event):
    """The bodies gave their verdicts (scoring's review.completed): the review is no longer owed."""
    if not event.data.get("motion_id"):
        return None  # important work or a project without a motion: never scheduled from a motion
    return schedules.stop_watching(session, now, kind=schedules.REVIEW,
                                   subject=f"motion/{event.data['motion_id']}")
