"""清洁日: only the linked hub household inspects; grades become points; hamlets ranked by hygiene."""
from datetime import date

import pytest

from services.kernel.errors import Conflict, ValidationFailed
from services.scoring import inspections, ledger, rankings

from .conftest import NOW
from .helpers import emitted


def inspect(session, policy, household, inspector, score=90, grade="excellent", day=date(2025, 5, 16), **kw):
    return inspections.record(session, policy, {"household_id": household, "inspector_household_id": inspector,
                                                "score": score, "grade": grade, "inspected_on": day,
                                                "remarks": kw.get("remarks", "")}, NOW)


def test_linked_hub_household_inspects_and_points_follow(roster, policy):
    inspection = inspect(roster, policy, "h1", "h-hub", remarks="你这个院子真是收得干净")
    assert (inspection.week, inspection.hamlet_id) == ("2025-W20", "g3")
    entry = ledger.get(roster, inspection.entry_id)
    assert (entry.source, entry.points, entry.status) == ("inspection", 3, "pending")
    [event] = emitted(roster, "yard.inspected")
    assert event["remarks"] == "你这个院子真是收得干净" and event["points"] == 3


def test_an_inspector_not_linked_to_the_household_is_refused(roster, policy):
    with pytest.raises(ValidationFailed) as info:
        inspect(roster, policy, "h1", "h-hub4")
    assert "inspector_household_id" in info.value.detail["fields"]
    with pytest.raises(ValidationFailed):  # a household cannot inspect itself either
        inspect(roster, policy, "h1", "h1")
    with pytest.raises(ValidationFailed) as info:  # a household not on the roster: 400 naming the field
        inspect(roster, policy, "nobody", "h-hub")
    assert "household_id" in info.value.detail["fields"]
    assert emitted(roster, "yard.inspected") == []


def test_one_inspection_per_household_per_week(roster, policy):
    inspect(roster, policy, "h1", "h-hub")
    with pytest.raises(Conflict):
        inspect(roster, policy, "h1", "h-hub", day=date(2025, 5, 18))  # Sunday, same ISO week
    inspect(roster, policy, "h1", "h-hub", day=date(2025, 5, 23))  # next Friday


def test_a_poor_yard_loses_points(roster, policy):
    inspection = inspect(roster, policy, "h2", "h-hub", score=40, grade="poor")
    assert ledger.get(roster, inspection.entry_id).points == -2


def test_hamlets_ranked_by_hygiene(roster, policy):
    inspect(roster, policy, "h1", "h-hub", score=95)
    inspect(roster, policy, "h2", "h-hub", score=70, grade="good")
    inspect(roster, policy, "h3", "h-hub4", score=90)
    rows = rankings.hygiene(roster, "2025-W20")
    assert [(r["hamlet_id"], r["average_score"], r["rank"]) for r in rows] == [("g4", 90.0, 1), ("g3", 82.5, 2)]
    assert rankings.hygiene(roster, "2025Q2") == rows
    assert rankings.hygiene(roster, "2025-W21") == []


def test_grades_come_from_the_rule_file(roster):
    """清洁日 grades are civility_points.yaml's ``sources.inspection``: one added there is priced
    without code; one that is not there is refused naming the field with the valid grades."""
    from tests.support.scoring_policy import DEEDS, FakePolicy

    class WithSources(FakePolicy):
        def params(self, area):
            answer = super().params(area)
            if area == "civility_points":
                answer["params"]["sources"] = {"inspection": {
                    "excellent": {"label": "优秀", "deed": "cleaning_day_excellent"},
                    "model": {"label": "示范", "deed": "model_yard"}}}
            return answer

    policy = WithSources(deeds={**DEEDS, "model_yard": (5, None)})
    inspection = inspect(roster, policy, "h1", "h-hub", score=99, grade="model")
    assert ledger.get(roster, inspection.entry_id).deed_code == "model_yard"
    with pytest.raises(ValidationFailed) as refused:
        inspect(roster, policy, "h2", "h-hub", grade="good")
    [message] = refused.value.detail["fields"]["grade"]
    assert message.startswith("等次 'good' 不在 civility_points.yaml") and "model（示范）" in message
