"""Validation points at file and line; a reload swaps everything or nothing."""
import pytest

from services.kernel.errors import ValidationFailed
from services.rules import cases, loader
from services.rules.engine import PolicyBook, rules_dir

from .helpers import bump_version, copy_rules, edit, version_of

VILLAGE_BRIDGE = {"scope": "village", "estimated_budget": 80000}


@pytest.fixture
def folder(tmp_path):
    return copy_rules(tmp_path, first=("major_matter",))


def _problems(folder):
    policies, problems = loader.load_dir(folder)
    assert policies == {}, "a folder with a problem must load nothing"
    return problems


def _line_of(path, text):
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_wrong_type_is_reported_with_file_line_and_expectation(folder):
    path = folder / "quorum.yaml"
    edit(path, 'majority: {count: votes_for, of: present, more_than: "1/2"}   # 到会人员过半数通过',
         "majority: {count: votes_for, of: present, more_than: half}")
    [problem] = _problems(folder)
    assert problem.file.endswith("quorum.yaml")
    assert problem.line == _line_of(path, "more_than: half")
    assert "1/2" in problem.expected
    assert "params.bodies.villagers_meeting.majority.more_than" in problem.message


def test_missing_key_points_at_its_parent(folder):
    path = folder / "funding_mix.yaml"
    edit(path, "  min_crowd_share: 0.1", "  min_crowd: 0.1")
    problems = _problems(folder)
    assert any(p.line == _line_of(path, "min_crowd: 0.1") - 1 and "min_crowd_share" in p.expected
               for p in problems), problems


def test_misspelt_value_of_a_fact_is_caught(folder):
    path = folder / "demolition.yaml"
    edit(path, "when: {fact: request, eq: compensation}", "when: {fact: request, eq: compensaton}")
    [problem] = _problems(folder)
    assert problem.line == _line_of(path, "eq: compensaton")
    assert "compensation" in problem.expected


def test_unknown_fact_param_and_template_are_caught(folder):
    path = folder / "major_matter.yaml"
    edit(path, "when: {fact: estimated_budget, gte: {param: major_budget_yuan}}",
         "when: {fact: budget, gte: {param: major_budget}}")
    edit(path, "{params.major_budget_yuan} 元，属重大事务", "{params.nope} 元，属重大事务")
    messages = [p.message for p in _problems(folder)]
    assert any("no fact 'budget'" in m for m in messages)
    assert any("{params.nope}" in m for m in messages)


def test_yaml_errors_and_duplicate_keys_have_lines(folder):
    path = folder / "titles.yaml"
    edit(path, "\n  titles:\n", "\n  titles:\n  titles:\n")
    problems = _problems(folder)
    assert any("appears twice" in p.message and p.line == _line_of(path, "  titles:") + 1 for p in problems)
    edit(folder / "labour.yaml", "  hours_per_day: 8", "  hours_per_day: [8")
    assert any("not valid YAML" in p.message and p.file.endswith("labour.yaml") for p in _problems(folder))


def test_unreachable_rule_after_a_catch_all(folder):
    path = folder / "funding_mix.yaml"
    text = path.read_text(encoding="utf-8")
    hold = text[text.index("  - id: funding_mix.hold"):text.index("  - id: funding_mix.release")]
    path.write_text(text.replace(hold, "") + hold.replace("funding_mix.hold", "funding_mix.hold_late"),
                    encoding="utf-8")
    [problem] = _problems(folder)
    assert "never applies" in problem.message


def test_shipped_files_and_cases_are_valid():
    from services.rules.engine import rules_dir
    policies, problems = loader.load_dir(rules_dir())
    assert problems == [] and len(policies) == 15
    assert cases.load_cases(cases.tests_dir(rules_dir()))[1] == []


def test_reload_with_a_new_threshold_changes_the_next_decision(folder):
    book = PolicyBook(folder)
    first = book.decide("major_matter", VILLAGE_BRIDGE)
    v = version_of(folder / "major_matter.yaml")
    assert first["outcome"] == "ordinary" and first["rule"]["version"] == v
    edit(folder / "major_matter.yaml", "major_budget_yuan: 100000", "major_budget_yuan: 50000")
    bump_version(folder / "major_matter.yaml")
    assert book.changed()
    book.reload()
    second = book.decide("major_matter", VILLAGE_BRIDGE)
    assert second["outcome"] == "major"
    assert second["rule"] == {"id": "major_matter.budget", "version": v + 1, "policy": "major_matter"}
    assert "50000" in second["reason"]
    assert not book.changed()


def test_a_broken_file_is_refused_and_the_old_rules_keep_deciding(folder):
    book = PolicyBook(folder)
    before = book.status()
    # one good change and one broken file in the same reload: neither is applied
    edit(folder / "major_matter.yaml", "major_budget_yuan: 100000", "major_budget_yuan: 50000")
    edit(folder / "funding_mix.yaml", "min_crowd_share: 0.1", "min_crowd_share: lots")
    with pytest.raises(loader.RulesInvalid) as refused:
        book.reload()
    assert any(p.file.endswith("funding_mix.yaml") and p.line for p in refused.value.problems)
    assert book.decide("major_matter", VILLAGE_BRIDGE)["outcome"] == "ordinary"
    assert book.decide("funding_mix", {"crowd_share": 0.05, "grant_requested": True})["outcome"] == "hold"
    assert book.status()["generation"] == before["generation"]
    assert not book.changed()  # the refused files are not retried until they change again


def test_a_reload_reuses_unchanged_areas_and_frees_replaced_ones(folder):
    from services.rules import adapter
    book = PolicyBook(folder)
    old = book._state.compiled
    users = old._entries["quorum"][1]  # other books in this process may share it too
    book.reload()
    new = book._state.compiled
    assert new._entries["quorum"] is old._entries["quorum"] and new._entries["quorum"][1] == users
    edit(folder / "major_matter.yaml", "major_budget_yuan: 100000", "major_budget_yuan: 77777")
    book.reload()  # a text no other book has: this book alone uses the new ruleset
    replaced = book._state.compiled._entries["major_matter"]
    assert replaced[1] == 1
    edit(folder / "major_matter.yaml", "major_budget_yuan: 77777", "major_budget_yuan: 66666")
    book.reload()
    assert book._state.compiled._entries["major_matter"] is not replaced
    assert replaced[1] == 0 and replaced[2] not in adapter._SHARED  # deleted from the engine


def test_a_retired_engine_refuses_and_a_decision_moves_to_the_new_one(folder):
    book = PolicyBook(folder)
    old = book._state
    book.reload()
    assert old.compiled._closed
    with pytest.raises(RuntimeError):
        old.compiled.first_match("major_matter", VILLAGE_BRIDGE)
    assert book.decide("major_matter", VILLAGE_BRIDGE)["outcome"] == "ordinary"


def test_a_book_with_broken_files_does_not_start(folder):
    edit(folder / "reviews.yaml", "opens_days_before_end: 15", "opens_days_before_end: -1")
    with pytest.raises(loader.RulesInvalid):
        PolicyBook(folder)


def test_facts_are_typed_and_named_when_wrong():
    from services.rules.engine import rules_dir
    book = PolicyBook(rules_dir())
    with pytest.raises(ValidationFailed) as bad:
        book.decide("major_matter", {"scope": "village", "estimated_budget": True})
    assert "estimated_budget" in bad.value.detail["fields"]
    with pytest.raises(ValidationFailed) as bad:
        book.decide("nowhere", {})
    assert "area" in bad.value.detail["fields"]
    with pytest.raises(ValidationFailed) as bad:
        book.decide("major_matter", {"scope": "village", "estimated_budget": 1, "extra": 1})
    assert "extra" in bad.value.detail["fields"]
    participation = book.params("participation")
    assert participation["policy"] == "participation" and participation["version"] == version_of(rules_dir() / "participation.yaml")
    assert participation["params"]["counts"] == ["contribution", "meeting", "activity", "co_management"]
    assert participation["params"]["window"] == "quarter"
    assert participation["params"]["co_management"]["min_score"] == 1


def test_a_wrong_expectation_in_a_staff_case_fails_with_the_reason(tmp_path, folder):
    (folder / "tests" / "major_matter.yaml").write_text(
        "policy: major_matter\ncases:\n  - name: wrong on purpose\n"
        "    given: {scope: village, estimated_budget: 280000}\n"
        "    expect: {outcome: ordinary, values: {bodies: [hamlet_meeting]}}\n", encoding="utf-8")
    book = PolicyBook(folder)
    results, problems = cases.run_all(book, cases.tests_dir(folder))
    failed = [r for r in results if not r.ok]
    assert problems == [] and [r.case.name for r in failed] == ["wrong on purpose"]
    assert any("应是 ordinary，实际是 major" in f for f in failed[0].failures)
    assert any(f.startswith("values.bodies") for f in failed[0].failures)


def test_a_source_of_points_must_name_a_deed_of_the_catalogue(folder):
    path = folder / "civility_points.yaml"
    edit(path, "good: {label: 良好, deed: cleaning_day_good}", "good: {label: 良好, deed: cleaning_day_nice}")
    [problem] = _problems(folder)
    assert problem.line == _line_of(path, "      good: {label: 良好, deed: cleaning_day_nice}")
    assert "cleaning_day_nice" in problem.message and "不在 deeds 目录里" in problem.message
