"""The proposals service in its nameko container: RPC in, errors out, events on the bus."""
from __future__ import annotations

import pytest

from services.kernel.errors import IllegalTransition, NotFound, ValidationFailed
from tests.support.wait import until

from .conftest import drain

V, G = "wuguidun", "wuguidun-laojie"


def _attendance(prefix, n):
    return [{"resident_id": f"{prefix}{i}", "household_id": f"h-{prefix}{i}"} for i in range(n)]


def test_bisheng_old_street_from_suggestion_to_decision(roster, proposals, service_config, events_queue):
    suggestion = proposals.file_suggestion({"village_id": V, "hamlet_id": G, "resident_id": "r-peng",
                                            "title": "Renovate 毕昇老街 and keep its old stones"})
    motion = proposals.create_motion({
        "village_id": V, "hamlet_id": G, "scope": "village", "title": "毕昇老街 renovation",
        "estimated_budget": "350000", "contribution_kinds": ["money", "labour", "materials"],
        "suggestion_ids": [suggestion["id"]], "created_by": "head-laojie"})
    assert motion["state"] == "draft" and motion["suggestion_ids"] == [suggestion["id"]]
    assert motion["steps"][0]["action"] == "create"
    motion = proposals.transition_motion(motion["id"], {"action": "raise", "by": "head-laojie",
                                                        "why": "hamlet meeting backed it"})
    assert motion["matter"] == "major" and motion["matter_rule"]["policy"] == "major_matter"
    assert proposals.get_suggestion(suggestion["id"])["outcome"] == "adopted"
    proposals.transition_motion(motion["id"], {"action": "deliberate", "by": "secretary"})

    party = proposals.schedule_meeting({"kind": "party_members", "village_id": V,
                                        "agenda": [motion["id"]], "created_by": "secretary",
                                        "place": "党群服务中心"})
    assert party["members"] == 40                          # the party members on the roster
    party = proposals.hold_meeting(party["id"], {"attendance": _attendance("pm", 32), "minutes": "…"})
    vote = proposals.record_vote(party["id"], motion["id"], {"tally": {"for": 30, "against": 2},
                                                            "recorded_by": "secretary"})
    assert (vote["outcome"], vote["counts"], vote["motion_state"]) == ("approved", True, "in_deliberation")

    for i in range(30):                                    # 村民代表, elected for five years
        proposals.register_representative({"village_id": V, "resident_id": f"rep{i}", "term_start": "2022-01-01",
                                           "term_end": "2026-12-31", "registered_by": "secretary"})
    with pytest.raises(ValidationFailed) as err:          # a typed member count is refused
        proposals.schedule_meeting({"kind": "representatives", "village_id": V, "members": 35,
                                    "created_by": "secretary"})
    assert "members" in err.value.detail["fields"]
    with pytest.raises(ValidationFailed) as err:          # a party member is not a representative
        proposals.schedule_meeting({"kind": "representatives", "village_id": V, "agenda": [motion["id"]],
                                    "created_by": "secretary", "attendance": _attendance("pm", 24)})
    assert "pm0" in err.value.detail["fields"]["attendance"][0]
    reps = proposals.schedule_meeting({"kind": "representatives", "village_id": V,
                                       "agenda": [motion["id"]], "created_by": "secretary",
                                       "attendance": _attendance("rep", 24)})
    assert (reps["members"], reps["present"]) == (30, 24)
    assert len(proposals.list_representatives({"village_id": V, "on": "2024-06-03"})) == 30
    ballots = [{"voter_id": f"rep{i}", "choice": "for" if i < 20 else "against"} for i in range(24)]
    vote = proposals.record_vote(reps["id"], motion["id"], {"ballots": ballots, "recorded_by": "secretary"})
    assert vote["motion_state"] == "approved"

    decided = proposals.get_motion(motion["id"])
    assert decided["state"] == "approved" and decided["decided_at"]
    assert [(b["body"], b["outcome"]) for b in decided["bodies"]] == [
        ("party_members_meeting", "approved"), ("representatives_assembly", "approved")]
    assert decided["allowed"] == ["request_funding", "start", "withdraw"]
    assert len(proposals.list_motion_votes(motion["id"])) == 2

    names = ["suggestion.filed", "motion.transitioned", "suggestion.answered", "meeting.held",
             "vote.recorded", "motion.decided"]
    received = []

    def all_published():
        received.extend(drain(service_config, events_queue))
        return set(names) <= {e["type"].removeprefix("cn.cocreate.") for e in received}

    until(all_published, message="co-planning events on the bus")
    decided_event = next(e for e in received if e["type"] == "cn.cocreate.motion.decided")
    assert decided_event["subject"] == motion["id"]
    assert decided_event["data"]["rule"] == decided["matter_rule"]
    held = [e["data"] for e in received if e["type"] == "cn.cocreate.meeting.held"]
    assert len(held) == 2 and len(held[1]["attendee_household_ids"]) == 24


def test_errors_cross_rpc_with_their_detail_and_write_nothing(roster, proposals):
    with pytest.raises(ValidationFailed) as err:
        proposals.create_motion({"village_id": V, "scope": "hamlet", "title": "",
                                 "estimated_budget": "abc", "created_by": "c"})
    assert {"hamlet_id", "title", "estimated_budget"} <= set(err.value.detail["fields"])
    with pytest.raises(NotFound) as err:
        proposals.get_motion("mot-missing")
    assert err.value.detail["id"] == "mot-missing"

    motion = proposals.create_motion({"village_id": V, "hamlet_id": G, "scope": "hamlet",
                                      "title": "Street lamps", "estimated_budget": "3000",
                                      "created_by": "head"})
    with pytest.raises(IllegalTransition) as err:
        proposals.transition_motion(motion["id"], {"action": "start", "by": "head"})
    assert (err.value.detail["current"], err.value.detail["allowed"]) == ("draft", ["raise", "withdraw"])

    meeting = proposals.schedule_meeting({"kind": "hamlet", "village_id": V, "hamlet_id": G,
                                          "agenda": [motion["id"]], "created_by": "head",
                                          "attendance": _attendance("r", 8)})
    proposals.transition_motion(motion["id"], {"action": "raise", "by": "head"})
    proposals.transition_motion(motion["id"], {"action": "deliberate", "by": "head"})
    with pytest.raises(ValidationFailed) as err:
        proposals.record_vote(meeting["id"], motion["id"], {"tally": {"for": 8, "against": 1},
                                                            "recorded_by": "head"})
    assert "tally" in err.value.detail["fields"]
    assert proposals.list_motion_votes(motion["id"]) == []
    assert proposals.get_motion(motion["id"])["state"] == "in_deliberation"
    assert [m["id"] for m in proposals.list_motions({"village_id": V})] == [motion["id"]]
    with pytest.raises(ValidationFailed) as err:
        proposals.list_motions({"limit": "0"})
    assert "limit" in err.value.detail["fields"]


def test_overdue_report_escalates_with_the_injected_clock(roster, proposals, clock):
    report = proposals.file_report({"village_id": V, "hamlet_id": G, "resident_id": "r1",
                                    "category": "ditch", "title": "Blocked ditch"})
    assert proposals.escalate_overdue() == []
    clock.advance(days=3)
    [escalated] = proposals.escalate_overdue()
    assert escalated["report_id"] == report["id"] and escalated["level"] == 1
    assert proposals.get_report(report["id"])["escalated_to"] == escalated["escalate_to"]


def test_good_deed_verified(roster, proposals):
    with pytest.raises(ValidationFailed) as err:          # an invented household
        proposals.report_good_deed({"village_id": V, "hamlet_id": G, "household_id": "h-nobody",
                                    "deed_code": "clean_yard", "reported_by": "hub-household"})
    assert "household_id" in err.value.detail["fields"]
    deed = proposals.report_good_deed({"village_id": V, "hamlet_id": G, "household_id": "h-huang",
                                       "deed_code": "clean_yard", "reported_by": "hub-household"})
    verified = proposals.verify_good_deed(deed["id"], {"verified_by": "secretary"})
    assert verified["state"] == "verified"
    assert [d["id"] for d in proposals.list_good_deeds({"state": "verified"})] == [deed["id"]]


def test_meeting_quorum_answers_over_rpc_for_half_year_reviews(roster, proposals):
    """半年评议 (scoring) asks whether a meeting was held and met its quorum."""
    for i in range(30):                                    # the 村民代表 register: 30 serving
        proposals.register_representative({"village_id": V, "resident_id": f"rep{i}", "term_start": "2022-01-01",
                                           "term_end": "2099-12-31", "registered_by": "secretary"})
    meeting = proposals.schedule_meeting({"kind": "representatives", "village_id": V,
                                          "agenda": [], "created_by": "secretary"})
    assert proposals.meeting_quorum(meeting["id"])["quorum_met"] is False      # not held yet
    proposals.hold_meeting(meeting["id"], {"attendance": _attendance("rep", 20)})
    answer = proposals.meeting_quorum(meeting["id"])
    assert (answer["quorum_met"], answer["body"], answer["present"], answer["village_id"]) == (
        True, "representatives_assembly", 20, V)
    with pytest.raises(NotFound):
        proposals.meeting_quorum("mtg-none")
