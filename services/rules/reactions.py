"""Events in, decisions out: what the rules service does when the bus tells it something.

Each function takes the event's data (already loaded through the catalogue schema), asks the
policy book, and returns the payload of the decision event (or None when the rules decide that
nothing is to be emitted). The service stores that payload through the outbox in the same
transaction as the processed-event marker, so a redelivered event decides nothing twice.
"""
from __future__ import annotations

import logging

from services.kernel import outbox
from services.kernel.errors import PolicyRefused

from .engine import json_safe

log = logging.getLogger(__name__)


def points_for_deed(book, data: dict, cause_event_id: str) -> dict | None:
    """好人好事 -> 乡风文明积分: the points the deed catalogue gives, with the rule that gave them."""
    decision = book.decide("civility_points", {"deed_code": data["deed_code"]})
    if decision["outcome"] not in ("award", "deduct"):
        # A deed outside the catalogue earns nothing: emitting 0 points would only add noise.
        log.warning("deed %s (%s): %s", data.get("deed_id"), data["deed_code"], decision["reason"])
        return None
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
