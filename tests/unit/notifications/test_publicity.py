"""公示 with objections: an item under an upheld objection is not final until resolved."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.kernel import db
from services.kernel.errors import Conflict, ValidationFailed
from services.notifications import board, publicity
from services.notifications.models import Base
from tests.support.board_scenario import T0, VILLAGE, village_events
from tests.unit.notifications.test_board import NOW, feed_all
from tests.support.db import session_fixtures

engine, session = session_fixtures(Base.metadata)
RESIDENT = {"resident_id": "wgd-1-02-1", "household_id": "wgd-1-02", "reason": "好婆婆的评议票数统计有误"}


@pytest.fixture
def village(session):
    feed_all(session, village_events())
    return session


def title_notice(session):
    return next(p for p in publicity.listing(session, VILLAGE, NOW) if p["kind"] == "title")


def emitted(session, name):
    return [json.loads(r.body)["data"] for r in session.execute(select(db.outbox_table)).all()
            if r.event_type == name]


def test_decisions_allocations_accounts_titles_and_awards_go_on_notice_for_the_rule_s_days(village):
    kinds = sorted(p["kind"] for p in publicity.listing(village, VILLAGE, NOW))
    assert kinds == ["allocation", "allocation", "award", "decision", "title"]
    notice = title_notice(village)
    assert notice["status"] == "in_notice" and notice["rule"] == {"id": "publicity.notice_days", "version": 1,
                                                                   "policy": "publicity"}
    assert notice["closes_at"] == (NOW + timedelta(days=7)).isoformat()
    assert len(emitted(village, "publicity.opened")) == 5


def test_an_upheld_objection_holds_the_title_until_it_is_resolved(village):
    pid = title_notice(village)["publicity_id"]
    objection = publicity.lodge(village, pid, RESIDENT, NOW + timedelta(days=1))
    assert title_notice(village)["status"] == "awaiting_answer"
    later = NOW + timedelta(days=8)
    publicity.finalise_due(village, later)
    assert title_notice(village)["status"] == "awaiting_answer"      # the committee has not answered
    publicity.answer(village, objection.id, {"outcome": "upheld", "answer": "经核实，票数漏记 2 票，重新统计",
                                             "answered_by": "监督委员会主任"}, later)
    assert title_notice(village)["status"] == "held"
    publicity.finalise_due(village, later)
    assert title_notice(village)["status"] == "held"                 # still not awarded
    view = board.view(village, VILLAGE, now=later)
    assert view["honours"]["titles"][0]["final"] is False
    assert view["honours"]["titles"][0]["publicity"]["answers"][0]["answer"].startswith("经核实")
    publicity.resolve(village, pid, {"resolution": "corrected", "note": "重新统计后仍达标准",
                                     "resolved_by": "道德评议会"}, later)
    publicity.finalise_due(village, later)
    assert title_notice(village)["status"] == "final"
    assert board.view(village, VILLAGE, now=later)["honours"]["titles"][0]["final"] is True
    finalised = [e for e in emitted(village, "publicity.finalised") if e["kind"] == "title"]
    assert finalised[0]["outcome"] == "final" and finalised[0]["objections"] == 1
    answered = emitted(village, "objection.answered")[0]
    assert "resident_id" not in answered and answered["outcome"] == "upheld"   # the public answer: no objector


def test_a_dismissed_objection_lets_the_item_become_final_when_the_period_ends(village):
    pid = title_notice(village)["publicity_id"]
    objection = publicity.lodge(village, pid, RESIDENT, NOW)
    publicity.answer(village, objection.id, {"outcome": "dismissed", "answer": "票数无误", "answered_by": "主任"}, NOW)
    publicity.finalise_due(village, NOW + timedelta(days=6))
    assert title_notice(village)["status"] == "in_notice"            # the period is not over yet
    publicity.finalise_due(village, NOW + timedelta(days=7))
    assert title_notice(village)["status"] == "final"


def test_only_residents_of_the_village_object_and_only_during_the_period(village):
    pid = title_notice(village)["publicity_id"]
    with pytest.raises(ValidationFailed) as err:
        publicity.lodge(village, pid, dict(RESIDENT, household_id="lyc-yw-01"), NOW)
    assert "household_id" in err.value.detail["fields"]
    with pytest.raises(Conflict):
        publicity.lodge(village, pid, RESIDENT, NOW + timedelta(days=7))


def test_an_answer_is_given_once_and_a_withdrawn_item_is_never_final(village):
    pid = title_notice(village)["publicity_id"]
    objection = publicity.lodge(village, pid, RESIDENT, NOW)
    publicity.answer(village, objection.id, {"outcome": "upheld", "answer": "不符合条件", "answered_by": "主任"}, NOW)
    with pytest.raises(Conflict):
        publicity.answer(village, objection.id, {"outcome": "dismissed", "answer": "改主意", "answered_by": "主任"}, NOW)
    publicity.resolve(village, pid, {"resolution": "withdrawn", "note": "撤回该称号", "resolved_by": "道德评议会"}, NOW)
    assert title_notice(village)["status"] == "withdrawn"
    assert board.view(village, VILLAGE, now=NOW)["honours"]["titles"][0]["final"] is False
