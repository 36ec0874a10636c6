"""管护 facilities and 人居环境监督: fix orders with rule deadlines, re-checks, monthly ratings."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.kernel.errors import Conflict, IllegalTransition, ValidationFailed
from services.management import facilities, supervision

from .conftest import HAMLET, VILLAGE, emitted


def test_the_four_straw_shredders_have_a_custodian_and_their_faults_are_tracked(session, clock, hamlet):
    shredders = facilities.register(session, clock.now(), {
        "village_id": VILLAGE, "hamlet_id": HAMLET, "kind": "straw_shredder", "name": "秸秆粉碎机",
        "quantity": 4, "custodian_resident_id": "r-liu", "custodian_name": "刘忠英", "by": "cadre-1"})
    assert (shredders.phase, shredders.condition, shredders.quantity) == ("in_upkeep", "working", 4)
    task = facilities.add_task(session, shredders.id, {"title": "换刀片", "due_at": clock.now() + timedelta(days=7)})
    assert task.assignee_resident_id == "r-liu"
    fault = facilities.report_fault(session, clock.now(), shredders.id, {"description": "一台皮带断了", "by": "r-res"})
    assert facilities.get(session, shredders.id).condition == "faulty"
    facilities.fix_fault(session, clock.now(), fault.id, {"by": "r-liu", "note": "换了皮带"})
    assert facilities.get(session, shredders.id).condition == "working"
    with pytest.raises(Conflict):
        facilities.fix_fault(session, clock.now(), fault.id, {"by": "r-liu"})
    facilities.complete_task(session, clock.now(), task.id, {"by": "r-liu"})
    detail = facilities.detail(session, shredders.id)
    assert detail["tasks"][0].done_by == "r-liu" and detail["faults"][0].fixed_by == "r-liu"


def test_a_built_project_gains_an_upkeep_phase_once(session, clock):
    event = {"motion_id": "mot-1", "village_id": VILLAGE, "hamlet_id": HAMLET, "title": "三组文化广场",
             "to_state": "completed", "by": "c"}
    assert facilities.project_built(session, clock.now(), {**event, "to_state": "in_progress"}) is None
    first = facilities.project_built(session, clock.now(), event)
    again = facilities.project_built(session, clock.now(), event)
    assert first.id == again.id and first.phase == "awaiting_caretakers"
    with pytest.raises(ValidationFailed):
        facilities.add_task(session, first.id, {"title": "扫广场", "due_at": clock.now()})
    facilities.name_caretakers(session, first.id, {"custodian_resident_id": "r-w", "custodian_name": "王",
                                                   "caretakers": [{"resident_id": "r-x", "name": "谢"}]})
    assert facilities.get(session, first.id).phase == "in_upkeep"


def findings(**extra):
    return [{"finding": "路边白色垃圾", "severity": "default", "area_id": "g3-g209", **extra},
            {"finding": "边沟垮塌", "severity": "major", "responsible_type": "household",
             "responsible_id": "g3-h07"}]


def test_findings_become_fix_orders_with_deadlines_from_the_rule_file(session, clock, policy, hamlet):
    inspection, orders = supervision.inspect(session, policy, clock.now(), {
        "body_id": hamlet["group"].id, "hamlet_id": HAMLET, "inspectors": ["r-s1", "r-s2"],
        "findings": findings()})
    litter, ditch = orders
    assert (litter.responsible_type, litter.responsible_id) == ("public_welfare_post", hamlet["post"].id)
    assert litter.deadline == clock.now() + timedelta(days=3) and ditch.deadline == clock.now() + timedelta(days=7)
    assert len(emitted(session, "fix_order.issued")) == 2
    clock.advance(days=4)
    overdue = supervision.find(session, {"hamlet_id": HAMLET, "overdue": True}, clock.now())
    assert [o.id for o in overdue] == [litter.id]
    supervision.mark_fixed(session, policy, clock.now(), litter.id, {"by": "r-zhang"})
    assert litter.recheck_by == clock.now() + timedelta(days=2)
    supervision.recheck(session, clock.now(), litter.id, {"passed": False, "by": "r-s1"})
    assert litter.state == "open"
    supervision.mark_fixed(session, policy, clock.now(), litter.id, {"by": "r-zhang"})
    supervision.recheck(session, clock.now(), litter.id, {"passed": True, "by": "r-s1"})
    assert litter.state == "passed"
    assert [e["late"] for e in emitted(session, "fix_order.rechecked")] == [True, True]
    with pytest.raises(IllegalTransition):
        supervision.recheck(session, clock.now(), litter.id, {"passed": True, "by": "r-s1"})


def test_only_the_supervision_groups_members_inspect(session, clock, policy, hamlet):
    with pytest.raises(ValidationFailed) as bad:
        supervision.inspect(session, policy, clock.now(), {"body_id": hamlet["team"].id, "hamlet_id": HAMLET,
                                                     "inspectors": ["r-pm1"], "findings": []})
    assert "body_id" in bad.value.detail["fields"]
    with pytest.raises(ValidationFailed) as bad:
        supervision.inspect(session, policy, clock.now(), {"body_id": hamlet["group"].id, "hamlet_id": HAMLET,
                                                     "inspectors": ["r-stranger"], "findings": []})
    assert "inspectors" in bad.value.detail["fields"]


def test_a_severity_the_rule_file_does_not_know_is_refused_before_anything_is_written(session, clock, policy, hamlet):
    with pytest.raises(ValidationFailed) as bad:
        supervision.inspect(session, policy, clock.now(), {"body_id": hamlet["group"].id, "hamlet_id": HAMLET,
                                                     "inspectors": ["r-s1"],
                                                     "findings": findings(severity="catastrophic")})
    assert "findings.0.severity" in bad.value.detail["fields"]
    assert emitted(session, "fix_order.issued") == []


def test_monthly_rating_ranks_hamlets_once_per_month(session, clock, policy):
    rating = supervision.rate(session, policy, clock.now(), {"village_id": VILLAGE, "period": "2024-06", "by": "c",
                                                       "scores": [{"hamlet_id": "g1", "score": 80},
                                                                  {"hamlet_id": "g3", "score": 92},
                                                                  {"hamlet_id": "g2", "score": 80}]})
    assert [(s["hamlet_id"], s["rank"]) for s in rating.scores] == [("g3", 1), ("g1", 2), ("g2", 2)]
    assert emitted(session, "environment.rated")[0]["period"] == "2024-06"
    with pytest.raises(Conflict):
        supervision.rate(session, policy, clock.now(), {"village_id": VILLAGE, "period": "2024-06", "by": "c",
                                                  "scores": [{"hamlet_id": "g1", "score": 1}]})
    with pytest.raises(ValidationFailed) as bad:
        supervision.rate(session, policy, clock.now(), {"village_id": VILLAGE, "period": "2024Q2", "by": "c",
                                                  "scores": [{"hamlet_id": "g1", "score": 1}]})
    assert "period" in bad.value.detail["fields"]
