"""Issue 16's policy choices in the proposals container, over real RPC with the caller's identity:
a kind of matter decides which bodies approve; an endorsement is stamped with the caller's own
household, once per household, and a motion's urgency is announced on the bus."""
from __future__ import annotations

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.kernel.errors import Conflict, ValidationFailed
from services.kernel.identity import Forbidden, Principal, Scope
from services.kernel.nameko_ext.identity import CONTEXT_KEY
from tests.support.wait import until

from .conftest import drain

V, G = "wuguidun", "wuguidun-laojie"


def _as(service_config, principal):
    return ServiceRpcProxy("proposals", service_config, context_data={CONTEXT_KEY: principal.dumps()})


def _resident(household, village=V):
    return Principal(subject=f"tok-{household}", role="resident", scopes=(Scope("household", household),),
                     villages=(village,), hamlets=(G,))


def test_a_kind_of_matter_and_residents_endorsements(proposals, service_config, events_queue):
    road = proposals.create_motion({"village_id": V, "hamlet_id": G, "scope": "village", "title": "修村道",
                                    "kind": "public_works", "estimated_budget": "8000", "created_by": "head"})
    road = proposals.transition_motion(road["id"], {"action": "raise", "by": "head"})
    assert (road["kind"], road["matter"], road["matter_rule"]["id"]) == ("public_works", "major", "major_matter.kind")
    with pytest.raises(ValidationFailed):
        proposals.create_motion({"village_id": V, "scope": "village", "title": "x", "kind": "party",
                                 "estimated_budget": "1", "created_by": "head"})

    suggestion = proposals.file_suggestion({"village_id": V, "hamlet_id": G, "resident_id": "r-peng",
                                            "title": "村道坑洼，下雨走不了"})
    with _as(service_config, _resident("hh-1")) as hh1, _as(service_config, _resident("hh-2")) as hh2:
        made = hh1.endorse_suggestion(suggestion["id"], {"household_id": "someone-else", "endorsed_by": "typed"})
        assert (made["household_id"], made["endorsed_by"]) == ("hh-1", "tok-hh-1")  # stamped, not typed
        with pytest.raises(Conflict):
            hh1.endorse_suggestion(suggestion["id"], {})
        hh2.endorse_motion(road["id"], {"note": "孩子上学要走"})
    with _as(service_config, _resident("far-1", village="elsewhere")) as stranger:
        with pytest.raises(Forbidden):
            stranger.endorse_motion(road["id"], {})
    assert len(proposals.list_suggestion_endorsements(suggestion["id"])) == 1
    proposals.answer_suggestion(suggestion["id"], {"outcome": "merged", "answer": "并入修村道", "answered_by": "head",
                                                   "motion_id": road["id"]})
    assert proposals.get_motion(road["id"])["endorsing_households"] == 2   # hh-2 on it, hh-1 via the suggestion

    received = []

    def announced():
        received.extend(drain(service_config, events_queue))
        return [e["data"]["endorsing_households"] for e in received if e["type"].endswith("motion.urgency_changed")] == [1, 2]
    until(announced, timeout=20, message="motion.urgency_changed 1 then 2 on the bus")
    assert sum(e["type"].endswith("endorsement.recorded") for e in received) == 2
