"""The domain against the real rule files (rules/*.yaml) through the in-process PolicyBook."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.contributions import demolitions, participation, projects, recording, roster
from services.kernel.errors import PolicyRefused
from services.rules.engine import PolicyBook, rules_dir

from .conftest import ROSTER
from tests.support.db import emitted


@pytest.fixture
def book():
    return PolicyBook(rules_dir())


def test_real_rules_refuse_compensation_and_count_a_neighbours_labour(session, clock, book):
    roster.import_file(session, "r.csv", ROSTER.encode(), clock, book)
    demolition, _ = demolitions.register(session, book, clock.now(), {
        "structure_type": "pigsty", "area_m2": Decimal("30"), "household_id": "hh2",
        "demolished_on": date(2026, 5, 1)})
    with pytest.raises(PolicyRefused) as caught:
        demolitions.claim_compensation(session, book, demolition.id, {})
    assert caught.value.detail["rule"]["policy"] == "demolition" and caught.value.detail["reason"]
    projects.register_project(session, clock.now(), {
        "project_id": "p1", "name": "x", "scope": "hamlet", "village_id": "v1", "hamlet_id": "h1",
        "budget": Decimal("100"), "mix": {"crowd": Decimal("100")}})
    # 邻组帮忙: the shipped labour rule records a neighbour's labour for the project's hamlet
    helped = recording.record(session, book, clock.now(), {"kind": "labour", "resident_id": "r6", "project_id": "p1",
                                                  "quantity": Decimal(2), "unit": "hours"})
    assert helped.hamlet_id == "h1" and helped.flag is None
    recording.record(session, book, clock.now(), {"kind": "labour", "resident_id": "r2", "project_id": "p1",
                                         "quantity": Decimal(1), "unit": "days"})
    (flag,) = [d for _, d in emitted(session, "project.labour_flagged")]
    assert flag["outcome"] == "flag" and flag["rule"]["policy"] == "labour"
    rate = participation.view(session, book, "h1", None, clock.now())
    assert (rate["participating_households"], rate["roster_households"]) == (1, 4)  # hh2 gave labour
