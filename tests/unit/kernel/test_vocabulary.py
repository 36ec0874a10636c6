"""The kernel vocabulary: money, periods, ids, fields and the policy client."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from services.kernel import fields as kfields
from services.kernel import ids, money, periods, policy
from services.kernel.errors import PolicyContractBroken


@pytest.mark.parametrize("given, expected", [
    ("0", "0.00"), ("1200.5", "1200.50"), ("-3.25", "-3.25"), (7, "7.00"), (1200.5, "1200.50"),
    (Decimal("1.000"), "1.00"), ("999999999999.99", "999999999999.99"),
    ("-999999999999.99", "-999999999999.99"),
])
def test_money_parses_exact_amounts(given, expected):
    assert money.text(money.parse(given)) == expected


@pytest.mark.parametrize("given, why", [
    ("1.005", "more than two decimals"), (Decimal("0.001"), "more than two decimals"),
    (0.1 + 0.2, "more than two decimals"), ("１２", "ASCII"), ("١٢", "ASCII"),
    ("1e3", "ASCII"), ("NaN", "ASCII"), (Decimal("Infinity"), "finite"),
    ("1000000000000.00", "maximum"), ("-1000000000000", "maximum"), (True, "not an amount"),
    ("", "not an amount"),
])
def test_money_refuses_instead_of_rounding(given, why):
    with pytest.raises(money.MoneyError, match=why):
        money.parse(given)


def test_fen_round_trip_and_half_up_rounding():
    assert money.to_fen("999999999999.99") == 99999999999999
    assert money.from_fen(-1) == Decimal("-0.01")
    assert money.round_fen(Decimal("0.005")) == Decimal("0.01")
    assert money.round_fen(Decimal("2.345")) == Decimal("2.35")


def test_money_field_refuses_with_the_reason():
    class In(kfields.Input):
        amount = kfields.Money(required=True, positive=True)

    assert In().load({"amount": "10.5"}) == {"amount": Decimal("10.50")}
    for bad, words in [("10.555", "two decimals"), ("０", "ASCII"), ("0", "more than 0"),
                       ("1000000000000", "maximum")]:
        with pytest.raises(ValidationError) as caught:
            In().load({"amount": bad})
        assert words in caught.value.messages["amount"][0]
    with pytest.raises(ValidationError) as caught:
        In().load({"amount": "1", "ammount": "2"})
    assert "ammount" in caught.value.messages
    assert In().dump({"amount": Decimal("3")}) == {"amount": "3.00"}


@pytest.mark.parametrize("moment, window, key", [
    (datetime(2026, 9, 30, 16, 0, tzinfo=timezone.utc), "quarter", "2026Q4"),  # 00:00 in Shanghai
    (datetime(2026, 9, 30, 15, 59, tzinfo=timezone.utc), "quarter", "2026Q3"),
    (datetime(2026, 6, 30, 16, 0, tzinfo=timezone.utc), "half_year", "2026H2"),
    (datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc), "year", "2027"),
    (datetime(2026, 6, 3, tzinfo=timezone.utc), "week", "2026-W23"),
    (datetime(2026, 6, 3, tzinfo=timezone.utc), "month", "2026-06"),
])
def test_periods_follow_the_shanghai_calendar(moment, window, key):
    assert periods.period_of(moment, window) == key
    found, start, end = periods.bounds(key)
    assert found == window and start <= moment < end


def test_period_keys_are_one_format():
    assert periods.quarters_in("2026H2") == ["2026Q3", "2026Q4"]
    assert periods.containing("2026Q3", "half_year") == "2026H2"
    for bad in ["2026-Q4", "2026Q5", "2026-H1", "2026-13", "26Q1", "２０２６"]:
        with pytest.raises(periods.PeriodError):
            periods.window_of(bad)

    class In(kfields.Input):
        period = kfields.Period("quarter", "half_year")

    assert In().load({"period": "2026H2"}) == {"period": "2026H2"}
    with pytest.raises(ValidationError, match="2026Q4"):
        In().load({"period": "2026"})


def test_ids_carry_their_prefix():
    one, two = ids.new_id("mot"), ids.new_id("mot")
    assert one.startswith("mot-") and len(one) == 20 and one != two


class _Answers:
    def __init__(self, answer):
        self.answer = answer

    def decide(self, area, facts):
        return self.answer

    def params(self, area):
        return self.answer


def test_the_policy_client_has_one_contract_and_one_error():
    good = {"outcome": "major", "rule": {"id": "major_matter.budget", "version": "3"}}
    decision = policy.decide(_Answers(good), "major_matter", {}, outcomes={"major", "ordinary"})
    assert decision["values"] == {} and policy.rule_ref(decision) == {
        "id": "major_matter.budget", "version": 3, "policy": "major_matter"}
    for bad in [None, {"outcome": "major"}, {"outcome": "major", "rule": {"id": "x"}},
                {"outcome": "weird", "rule": {"id": "x", "version": 1}},
                {"rule": {"id": "x", "version": 1}}]:
        with pytest.raises(PolicyContractBroken) as caught:
            policy.decide(_Answers(bad), "major_matter", {}, outcomes={"major", "ordinary"})
        assert caught.value.http_status == 502
    with pytest.raises(PolicyContractBroken):
        policy.params(_Answers({"params": {}}), "labour")
