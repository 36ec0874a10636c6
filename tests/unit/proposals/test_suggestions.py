"""回音墙 the echo wall: every suggestion gets one public answer."""
from __future__ import annotations

import pytest

from services.kernel.errors import IllegalTransition, NotFound, ValidationFailed
from services.proposals import motions, suggestions

from .builders import motion_data
from .conftest import events, tx


def _file(session, clock):
    return tx(session, suggestions.file, clock.now(), {"village_id": "wuguidun", "hamlet_id": "g3",
                                                  "resident_id": "r1", "title": "Benches at the pond"})


def test_filed_then_answered_once(session, clock):
    suggestion = _file(session, clock)
    [(_, filed)] = events(session, "suggestion.filed")
    assert filed["suggestion_id"] == suggestion.id and filed["filed_at"] == clock.now().isoformat()
    tx(session, suggestions.answer, clock.now(), suggestion.id, {
        "outcome": "declined", "answer": "the pond is private land", "answered_by": "secretary"})
    with pytest.raises(IllegalTransition) as err:
        tx(session, suggestions.answer, clock.now(), suggestion.id, {
            "outcome": "adopted", "answer": "changed", "answered_by": "secretary"})
    assert (err.value.detail["current"], err.value.detail["allowed"]) == ("answered", [])
    [(_, answered)] = events(session, "suggestion.answered")
    assert answered["outcome"] == "declined" and answered["answer"] == "the pond is private land"


def test_merged_names_an_existing_motion(session, clock):
    suggestion = _file(session, clock)
    with pytest.raises(ValidationFailed) as err:
        tx(session, suggestions.answer, clock.now(), suggestion.id, {
            "outcome": "merged", "answer": "see the pond motion", "answered_by": "secretary"})
    assert "motion_id" in err.value.detail["fields"]
    with pytest.raises(NotFound):
        tx(session, suggestions.answer, clock.now(), suggestion.id, {
            "outcome": "merged", "answer": "x", "answered_by": "secretary", "motion_id": "mot-nope"})
    motion = tx(session, motions.create, clock.now(), motion_data())
    tx(session, suggestions.answer, clock.now(), suggestion.id, {
        "outcome": "merged", "answer": "merged", "answered_by": "secretary", "motion_id": motion.id})
    assert suggestions.get(session, suggestion.id).motion_id == motion.id
    assert suggestions.find(session, {"status": "answered", "limit": 10, "offset": 0}) == [suggestion]
