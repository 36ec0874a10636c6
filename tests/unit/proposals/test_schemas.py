"""Bad input is refused with the failing fields, before the domain is called."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

from services.proposals import schemas


def errors(schema, payload):
    with pytest.raises(ValidationError) as err:
        schema.load(payload)
    return err.value.messages


def test_motion_input():
    messages = errors(schemas.MotionIn(), {"village_id": "v", "scope": "hamlet", "title": "",
                                           "estimated_budget": "-1", "created_by": "c",
                                           "contribution_kinds": ["gold"], "colour": "red"})
    assert {"hamlet_id", "title", "estimated_budget", "contribution_kinds", "colour"} <= set(messages)
    loaded = schemas.MotionIn().load({"village_id": "v", "scope": "village", "title": "t",
                                      "estimated_budget": "120000.5", "created_by": "c"})
    assert str(loaded["estimated_budget"]) == "120000.50"


def test_vote_input_is_ballots_or_tally_not_both():
    assert "ballots" in errors(schemas.VoteIn(), {"recorded_by": "c"})
    assert "ballots" in errors(schemas.VoteIn(), {"recorded_by": "c", "ballots": [],
                                                  "tally": {"for": 1, "against": 0}})
    assert "tally" in errors(schemas.VoteIn(), {"recorded_by": "c", "tally": {"for": -1, "against": 0}})
    loaded = schemas.VoteIn().load({"recorded_by": "c", "tally": {"for": 3, "against": 1}})
    assert loaded["tally"] == {"votes_for": 3, "votes_against": 1, "abstain": 0}


def test_meeting_input():
    assert "hamlet_id" in errors(schemas.MeetingIn(), {"kind": "hamlet", "village_id": "v",
                                                       "members": 10, "created_by": "c"})
    # the members come from the register: a typed count is refused, not used
    assert "members" in errors(schemas.MeetingIn(), {"kind": "representatives", "village_id": "v",
                                                     "created_by": "c", "members": 35})
    assert "members" not in schemas.MeetingIn().load({"kind": "representatives", "village_id": "v", "created_by": "c"})
    assert "attendance" in errors(schemas.HoldIn(), {"attendance": [{}]})


def test_transition_input_knows_only_callers_actions():
    assert "action" in errors(schemas.TransitionIn(), {"action": "approve", "by": "c"})
    assert "action" in errors(schemas.TransitionIn(), {"action": "fly", "by": "c"})
    assert schemas.TransitionIn().load({"action": "raise", "by": "c"})["why"] == ""
