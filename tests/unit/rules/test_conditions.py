"""Every compiled condition matches exactly the fact sets it should, and nothing else.

The reference is a plain-Python reading of the condition (tests/unit/rules/helpers.py); the
engine's answer comes from durable_rules through the adapter. They must agree on every rule of
the shipped files (with the facts of the staff cases) and on generated conditions and facts.
"""
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from services.rules import cases
from services.rules.computations import COMPUTATIONS
from services.rules.engine import PolicyBook, coerce_facts, rules_dir

from .helpers import reference_holds


@pytest.fixture(scope="module")
def book():
    return PolicyBook(rules_dir())


def _typed(book, area, given_facts):
    policy = book.policy(area)
    facts = coerce_facts(policy, given_facts)
    if policy.compute:
        facts.update(COMPUTATIONS[policy.compute].run(facts, policy.params))
    return policy, facts


CASES = [c for c in cases.load_cases(cases.tests_dir(rules_dir()))[0] if "expect" in c.spec]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_shipped_rules_match_exactly_per_reference(book, case):
    policy, facts = _typed(book, case.policy, case.spec["given"])
    expected = [r["id"] for r in policy.rules if reference_holds(r.get("when"), facts, policy.params)]
    assert book.explain(case.policy, case.spec["given"]) == expected
    # ...and the first of them is the one that decides.
    assert book.decide(case.policy, case.spec["given"])["rule"]["id"] == expected[0]


# -- a synthetic area to explore conditions with generated facts ------------------------------

FACTS = {"n": {"type": "number", "required": False}, "k": {"type": "integer", "required": False},
         "s": {"type": "string", "enum": ["a", "b", "c"], "required": False},
         "b": {"type": "boolean", "required": False}, "m": {"type": "number", "required": False}}
NUMBERS = st.integers(-3, 3)
STRINGS = st.sampled_from(["a", "b", "c"])


def _leaf():
    numeric = st.tuples(st.sampled_from(["n", "k", "m"]), st.sampled_from(["eq", "ne", "lt", "lte", "gt", "gte"]),
                        st.one_of(NUMBERS, st.just({"param": "limit"}), st.just({"fact": "m"})))
    text = st.tuples(st.just("s"), st.sampled_from(["eq", "ne"]), STRINGS)
    member = st.tuples(st.just("s"), st.sampled_from(["in", "not_in"]), st.lists(STRINGS, min_size=1, max_size=3))
    boolean = st.tuples(st.just("b"), st.sampled_from(["eq", "ne"]), st.booleans())
    exists = st.tuples(st.sampled_from(list(FACTS)), st.just("exists"), st.booleans())
    return st.one_of(numeric, text, member, boolean, exists).map(lambda t: {"fact": t[0], t[1]: t[2]})


CONDITIONS = st.recursive(_leaf(), lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
    st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs})), max_leaves=6)
FACT_SETS = st.fixed_dictionaries({}, optional={
    "n": NUMBERS, "k": NUMBERS, "m": NUMBERS, "s": STRINGS, "b": st.booleans()})


def _write_policy(directory: Path, conditions: list[dict]) -> None:
    policy = {"id": "major_matter", "version": 1, "description": "generated",
              "facts": FACTS,
              "params": {"major_budget_yuan": 1, "major_bodies": ["hamlet_meeting"],
                         "ordinary_bodies": ["hamlet_meeting"], "limit": 1},
              "rules": [{"id": f"major_matter.r{i}", "description": "generated", "when": c,
                         "then": {"outcome": "major", "reason": "r"}} for i, c in enumerate(conditions)]}
    # no anchors: shared sub-conditions are written out (rule files refuse aliases)
    (directory / "major_matter.yaml").write_text(
        yaml.dump(policy, Dumper=_NoAliases, allow_unicode=True), encoding="utf-8")


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conditions=st.lists(CONDITIONS, min_size=1, max_size=4), samples=st.lists(FACT_SETS, min_size=1, max_size=8))
def test_generated_conditions_match_exactly(tmp_path_factory, conditions, samples):
    directory = tmp_path_factory.mktemp("gen")
    _write_policy(directory, conditions)
    book = PolicyBook(directory)
    policy = book.policy("major_matter")
    for facts in samples:
        expected = [f"major_matter.r{i}" for i, c in enumerate(conditions)
                    if reference_holds(c, facts, policy.params)]
        assert book.explain("major_matter", facts) == expected, (conditions, facts)
        if expected:
            assert book.decide("major_matter", facts)["rule"]["id"] == expected[0]
        else:
            with pytest.raises(Exception) as refused:
                book.decide("major_matter", facts)
            assert "no rule" in str(refused.value)


def test_one_rule_tests_one_fact_set_not_a_correlation_of_two(tmp_path):
    """The when_all trap: two tests of one rule must hold in the SAME fact set."""
    _write_policy(tmp_path, [{"all": [{"fact": "s", "eq": "a"}, {"fact": "n", "gte": 2}]}])
    book = PolicyBook(tmp_path)
    assert book.explain("major_matter", {"s": "a"}) == []
    assert book.explain("major_matter", {"n": 5}) == []  # would complete a two-event join
    assert book.explain("major_matter", {"s": "a", "n": 2}) == ["major_matter.r0"]
    definition = book.compiled_definition("major_matter")
    assert [len(rule["all"]) for rule in definition.values()] == [1]


def test_the_first_rule_in_file_order_decides_and_nothing_is_left_over(tmp_path):
    _write_policy(tmp_path, [{"fact": "n", "gte": 5}, {"fact": "n", "gte": 0}, {"fact": "n", "gte": 3}])
    book = PolicyBook(tmp_path)
    assert book.decide("major_matter", {"n": 6})["rule"]["id"] == "major_matter.r0"
    assert book.decide("major_matter", {"n": 4})["rule"]["id"] == "major_matter.r1"
    from services.rules import adapter
    ruleset = book._state.compiled._entries["major_matter"][0]
    # events are consumed: the engine keeps nothing per decision
    assert ruleset.get_pending_events("0") == []
    assert ruleset.get_facts("0") == []
    assert adapter._HITS == {}
