"""乡风文明积分 ledger: lifecycle, revocation, caps at their boundary, balance == sum of entries."""
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from services.kernel.errors import IllegalTransition, NotFound, PolicyRefused, ValidationFailed
from services.scoring import ledger, sources
from services.scoring.models import PointsEntry

from .conftest import NOW
from .helpers import emitted


def record(session, policy, deed="helped_neighbour", household="h1", **kw):
    kw.setdefault("source", "manual")
    return ledger.record(session, policy, household_id=household, deed_code=deed,
                         reason="test", now=NOW, **kw)


def test_entry_is_pending_until_a_cadre_approves_it(roster, policy):
    entry = record(roster, policy)
    assert (entry.status, entry.points, entry.quarter) == ("pending", 4, "2025Q2")
    assert (entry.rule_id, entry.rule_version) == ("civility_points.helped_neighbour", 7)
    assert ledger.balances(roster, "h1")["spendable"] == 0

    [approved] = ledger.approve(roster, [entry.entry_id], "cadre-li", NOW)
    assert (approved.status, approved.decided_by) == ("approved", "cadre-li")
    assert ledger.balances(roster, "h1") == {"household_id": "h1", "spendable": 4, "honour": 4}
    assert [e["status"] for e in emitted(roster, "points.recorded")] == ["pending", "approved"]
    assert emitted(roster, "points.recorded")[-1]["spendable_balance"] == 4


def test_rejected_entry_never_counts(roster, policy):
    entry = record(roster, policy)
    ledger.reject(roster, entry.entry_id, "cadre-li", "not verified", NOW)
    assert ledger.balances(roster, "h1")["honour"] == 0
    with pytest.raises(IllegalTransition) as info:
        ledger.approve(roster, [entry.entry_id], "cadre-li", NOW)
    assert info.value.detail["current"] == "rejected"


def test_revoked_entry_leaves_the_balance_exact(roster, policy):
    kept = record(roster, policy, deed="labour_hour", units=3)        # 6
    revoked = record(roster, policy)                                    # 4
    penalty = record(roster, policy, deed="littering", source="penalty")  # -5
    ledger.approve(roster, [kept.entry_id, revoked.entry_id, penalty.entry_id], "cadre", NOW)
    assert ledger.balances(roster, "h1")["spendable"] == 5

    ledger.revoke(roster, revoked.entry_id, "cadre", "the deed was made up", NOW)
    assert ledger.balances(roster, "h1") == {"household_id": "h1", "spendable": 1, "honour": 1}
    assert ledger.balances_from_entries(roster, "h1") == ledger.balances(roster, "h1")
    assert ledger.get(roster, revoked.entry_id).revoke_reason == "the deed was made up"
    with pytest.raises(IllegalTransition):
        ledger.revoke(roster, revoked.entry_id, "cadre", "again", NOW)
    assert ledger.balances(roster, "h1")["spendable"] == 1


def test_revocation_needs_a_reason_and_an_approved_entry(roster, policy):
    entry = record(roster, policy)
    with pytest.raises(IllegalTransition):
        ledger.revoke(roster, entry.entry_id, "cadre", "pending entries are rejected, not revoked", NOW)
    ledger.approve(roster, [entry.entry_id], "cadre", NOW)
    with pytest.raises(ValidationFailed) as info:
        ledger.revoke(roster, entry.entry_id, "cadre", "   ", NOW)
    assert "reason" in info.value.detail["fields"]
    assert ledger.get(roster, entry.entry_id).status == "approved"


def test_cap_is_enforced_at_its_boundary(roster, policy):
    """helped_neighbour: 4 points, cap 10 a quarter -> 4, 4, then 2 (cut), then rejected."""
    first, second, third, fourth = (record(roster, policy) for _ in range(4))
    assert [e.points for e in (first, second, third, fourth)] == [4, 4, 2, 0]
    assert [e.status for e in (first, second, third, fourth)] == ["pending"] * 3 + ["rejected"]
    assert third.requested_points == 4 and "cap 10" in third.reason
    ledger.approve(roster, [first.entry_id, second.entry_id, third.entry_id], "cadre", NOW)
    assert ledger.balances(roster, "h1")["honour"] == 10  # exactly the cap, never more
    # Another household and another quarter have their own room.
    assert record(roster, policy, household="h2").points == 4
    assert record(roster, policy, quarter="2025Q3").points == 4


def test_cap_room_returns_when_an_entry_is_rejected_or_revoked(roster, policy):
    a, b, c = (record(roster, policy) for _ in range(3))  # 4 + 4 + 2 = 10
    ledger.reject(roster, c.entry_id, "cadre", "duplicate", NOW)
    assert record(roster, policy).points == 2
    ledger.approve(roster, [a.entry_id], "cadre", NOW)
    ledger.revoke(roster, a.entry_id, "cadre", "wrong household", NOW)
    assert record(roster, policy).points == 4


def test_exact_fit_under_the_cap_is_not_cut(roster, policy):
    policy.deeds["helped_neighbour"] = (5, 10)
    assert [record(roster, policy).points for _ in range(3)] == [5, 5, 0]


def test_unknown_deed_is_refused_and_nothing_is_written(roster, policy):
    with pytest.raises(PolicyRefused):
        record(roster, policy, deed="no_such_deed")
    assert roster.execute(select(func.count()).select_from(PointsEntry)).scalar_one() == 0


def test_rule_version_is_copied_so_history_stays_true(roster, policy, monkeypatch):
    old = record(roster, policy)
    from tests.support import scoring_policy as fake_policy
    monkeypatch.setattr(fake_policy, "VERSION", 8)
    new = record(roster, policy)
    assert (ledger.get(roster, old.entry_id).rule_version, new.rule_version) == (7, 8)


def test_approval_is_all_or_nothing(roster, policy):
    pending = record(roster, policy)
    rejected = record(roster, policy)
    ledger.reject(roster, rejected.entry_id, "cadre", "no", NOW)
    with pytest.raises(IllegalTransition):
        ledger.approve(roster, [pending.entry_id, rejected.entry_id], "cadre", NOW)
    assert ledger.get(roster, pending.entry_id).status == "pending"
    with pytest.raises(NotFound):
        ledger.approve(roster, [pending.entry_id, "missing"], "cadre", NOW)


def test_points_decided_by_rule_become_entries_once(roster, policy):
    data = {"household_id": "h1", "resident_id": "r1", "hamlet_id": None, "deed_code": "helped_neighbour",
            "points": 6, "reason": "helped 黄 with the harvest", "cause_event_id": "ev-1",
            "rule": {"id": "civility_points.helped_neighbour", "version": 3, "policy": "civility_points"}}
    entry = sources.points_decided(roster, policy, data, NOW)
    assert (entry.source, entry.points, entry.hamlet_id, entry.rule_version) == ("good_deed", 6, "g3", 3)
    assert sources.points_decided(roster, policy, data, NOW) is None  # the same deed decided twice
    penalty = sources.points_decided(roster, policy, {**data, "deed_code": "littering", "points": -5,
                                                      "cause_event_id": "ev-2"}, NOW)
    assert penalty.source == "penalty" and penalty.points == -5


def test_labour_earns_points_per_hour_and_a_reversal_withdraws_them(roster, policy):
    labour = {"entry_id": "c-1", "kind": "labour", "household_id": "h1", "resident_id": "r1",
              "hamlet_id": "g3", "project_id": "p-bisheng", "hours": Decimal("3.50"), "reversal_of": None}
    entry = sources.contribution_recorded(roster, policy, labour, NOW)
    assert (entry.source, entry.points, entry.deed_code) == ("labour", 7, "labour_hour")  # 2/h x 3.5 h
    assert sources.contribution_recorded(roster, policy, {**labour, "kind": "money", "entry_id": "c-2"}, NOW) is None
    ledger.approve(roster, [entry.entry_id], "cadre", NOW)
    sources.contribution_recorded(roster, policy, {**labour, "entry_id": "c-3", "reversal_of": "c-1",
                                                   "hours": Decimal("-3.50")}, NOW)
    assert ledger.get(roster, entry.entry_id).status == "revoked"
    assert ledger.balances(roster, "h1")["spendable"] == 0


# Hypothesis: whatever happens, the cached balances equal the sums of the entries.
OPS = st.lists(st.tuples(
    st.sampled_from(["record", "penalty", "approve", "reject", "revoke"]),
    st.sampled_from(["h1", "h2"]), st.integers(0, 20)), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_cached_balance_always_equals_the_sum_of_entries(engine, ops):
    from services.kernel.db import session_factory
    from tests.support.scoring_policy import FakePolicy
    policy = FakePolicy()
    with session_factory(engine)() as session:
        session.execute(PointsEntry.__table__.delete())
        session.execute(ledger.PointsAccount.__table__.delete())
        for op, household, pick in ops:
            entries = ledger.list_entries(session, household_id=household, limit=500)
            target = entries[pick % len(entries)] if entries else None
            try:
                if op == "record":
                    ledger.record(session, policy, household_id=household, deed_code="labour_hour",
                                  source="labour", reason="r", units=pick, now=NOW)
                elif op == "penalty":
                    ledger.record(session, policy, household_id=household, deed_code="littering",
                                  source="penalty", reason="r", now=NOW)
                elif target is not None and op == "approve":
                    ledger.approve(session, [target.entry_id], "c", NOW)
                elif target is not None and op == "reject":
                    ledger.reject(session, target.entry_id, "c", "r", NOW)
                elif target is not None and op == "revoke":
                    ledger.revoke(session, target.entry_id, "c", "r", NOW)
            except IllegalTransition:
                pass
            for h in ("h1", "h2"):
                assert ledger.balances(session, h) == ledger.balances_from_entries(session, h)
        session.rollback()


def test_the_api_balance_of_an_unknown_household_is_not_found(roster, policy):
    assert ledger.balance_of(roster, "h1") == {"household_id": "h1", "spendable": 0, "honour": 0}  # on the roster
    with pytest.raises(NotFound):
        ledger.balance_of(roster, "nobody")
