"""Guard rails: what a rule file may not do, found before it is expanded, with a line for each;
and the invariants the Organic Law and the seeds imply."""
import pytest

from services.rules import cases, invariants, loader, publishing

from .helpers import copy_rules, edit, version_of

ALIAS_BOMB = "\n".join(
    ["id: major_matter", "version: 9", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(9)]) + "\n"


@pytest.fixture
def folder(tmp_path):
    return copy_rules(tmp_path)


def _problems(folder):
    policies, problems = loader.load_dir(folder)
    assert policies == {}
    return problems


def test_an_alias_bomb_is_refused_while_scanning_at_its_first_anchor(folder):
    # 10^10 strings if expanded; refused before anything is composed (this test would hang otherwise)
    (folder / "major_matter.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    [problem] = _problems(folder)
    assert problem.line == 3 and "锚点 &a" in problem.message and "直接写出来" in problem.expected
    # the same through the publish path, as text
    _, [again] = loader.load_texts({"major_matter.yaml": ALIAS_BOMB})
    assert again.line == 3


def test_an_alias_alone_is_refused_too():
    _, [problem] = loader.parse_text("id: x\nversion: 1\nrules: *r\n", "x.yaml")
    assert problem.line == 3 and "别名 *r" in problem.message


def test_an_oversized_file_is_refused_without_parsing(folder):
    path = folder / "labour.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "#" * (loader.MAX_FILE_BYTES + 1), encoding="utf-8")
    [problem] = _problems(folder)
    assert problem.file.endswith("labour.yaml") and "文件太大" in problem.message


def test_an_empty_file_and_a_comment_only_file_get_line_one(folder):
    (folder / "labour.yaml").write_text("", encoding="utf-8")
    (folder / "titles.yaml").write_text("# 称号\n\n", encoding="utf-8")
    problems = {p.file.rsplit("/", 1)[-1]: p for p in _problems(folder)}
    assert problems["labour.yaml"].line == 1 and "文件是空的" in problems["labour.yaml"].message
    assert problems["titles.yaml"].line == 1


def test_a_gb18030_file_names_the_line_of_its_first_bad_byte(folder):
    path = folder / "titles.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("gb18030"))
    [problem] = _problems(folder)
    first_chinese = next(i for i, line in enumerate(text.splitlines(), 1) if any(ord(c) > 127 for c in line))
    assert problem.line == first_chinese
    assert "不是 UTF-8" in problem.message and "GB18030" in problem.message and "UTF-8" in problem.expected


@pytest.mark.parametrize("broken, line, words", [
    ("  hours_per_day: [8\n", 0, "方括号"),           # the unclosed bracket's own line, not the next
    ("  hours_per_day 8\n", 0, "缺少冒号"),
    ("  hours_per_day: '8\n", 0, "引号"),
    ("\thours_per_day: 8\n", 0, "Tab"),
])
def test_yaml_errors_point_at_the_line_of_the_mistake(folder, broken, line, words):
    path = folder / "labour.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, text in enumerate(lines) if text.startswith("  hours_per_day:"))
    lines[at] = broken
    path.write_text("".join(lines), encoding="utf-8")
    [problem] = _problems(folder)
    assert problem.line == at + 1 + line, problem
    assert words in problem.message


def test_messages_say_in_chinese_what_is_wrong_and_what_to_write(folder):
    edit(folder / "major_matter.yaml", f"version: {version_of(folder / 'major_matter.yaml')}", "version: one")
    [problem] = _problems(folder)
    assert "应是" in problem.message and "integer" in problem.message
    assert problem.expected


# -- invariants ------------------------------------------------------------------------------

def _invariants(folder):
    policies, problems = loader.load_dir(folder)
    assert problems == []
    return invariants.check(policies)


def test_the_repository_files_break_no_invariant(folder):
    assert _invariants(folder) == ([], [])


def test_a_villagers_meeting_quorum_of_one_third_is_an_error(folder):
    path = folder / "quorum.yaml"
    edit(path, '- {count: present, of: members, more_than: "1/2"}\n        - {count: households_present',
         '- {count: present, of: members, more_than: "1/3"}\n        - {count: households_present')
    errors, _ = _invariants(folder)
    [error] = errors
    assert "村民会议" in error.message and "第二十二条" in error.message and "超过 1/3" in error.message
    assert error.expected.startswith('more_than: "1/2"')
    assert error.line == next(i for i, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if '"1/3"' in l)


def test_at_least_one_half_admits_exactly_half_and_is_below_the_law(folder):
    edit(folder / "quorum.yaml", 'majority: {count: votes_for, of: present, more_than: "1/2"}   # 到会人员过半数通过',
         'majority: {count: votes_for, of: present, at_least: "1/2"}')
    errors, _ = _invariants(folder)
    assert [e.message for e in errors if "表决多数" in e.message]


def test_a_representatives_quorum_of_three_fifths_is_an_error_but_stricter_is_fine(folder):
    path = folder / "quorum.yaml"
    text = path.read_text(encoding="utf-8")
    stricter = text.replace('- {count: present, of: members, at_least: "2/3"}\n      majority: {count: votes_for, of: present, more_than: "1/2"}\n    party',
                            '- {count: present, of: members, at_least: "3/4"}\n      majority: {count: votes_for, of: present, more_than: "1/2"}\n    party', 1)
    assert stricter != text
    path.write_text(stricter, encoding="utf-8")
    assert _invariants(folder)[0] == []
    path.write_text(stricter.replace('at_least: "3/4"', 'at_least: "3/5"', 1), encoding="utf-8")
    [error] = _invariants(folder)[0]
    assert "村民代表会议" in error.message and "第二十六条" in error.message


def test_points_for_littering_is_an_error_and_a_cap_below_one_deed_a_warning(folder):
    path = folder / "civility_points.yaml"
    edit(path, "litter: {label: 乱扔垃圾, points: -5,", "litter: {label: 乱扔垃圾, points: 5,")
    edit(path, "quarterly_rating: {label: 季度乡风文明评比（每颗星）, points: 2, kind: reward, cap_per_period: 20}",
         "quarterly_rating: {label: 季度乡风文明评比（每颗星）, points: 2, kind: reward, cap_per_period: 1}")
    errors, warnings = _invariants(folder)
    [error] = errors
    assert "乱扔垃圾" in error.message and error.expected == "points: -5"
    [warning] = warnings
    assert "上限 1 分低于一次的分值 2 分" in warning.message


def test_a_deed_without_kind_is_a_warning(folder):
    edit(folder / "civility_points.yaml", "help_neighbour: {label: 邻里互助, points: 5, kind: reward,",
         "help_neighbour: {label: 邻里互助, points: 5,")
    _, [warning] = _invariants(folder)
    assert "邻里互助" in warning.message and "kind: reward" in warning.expected


# -- staff case matchers ------------------------------------------------------------------------

def test_contains_any_order_and_current_version_matchers():
    m = cases.mismatches
    assert m({"r": {"contains": "两会"}}, {"r": "须党员会、代表会两会通过"}) == []
    assert m({"r": {"contains": "三会"}}, {"r": "两会"})
    assert m({"l": {"contains": "b"}}, {"l": ["a", "b"]}) == []
    assert m({"l": {"contains": [{"id": "b"}, {"id": "a"}]}}, {"l": [{"id": "a", "n": 1}, {"id": "b"}]}) == []
    assert m({"l": {"contains": "z"}}, {"l": ["a"]})
    assert m({"l": {"any_order": ["b", "a"]}}, {"l": ["a", "b"]}) == []
    assert m({"l": {"any_order": ["b", "b"]}}, {"l": ["a", "b"]})
    assert m({"l": {"any_order": ["a"]}}, {"l": ["a", "b"]})
    assert m({"rule": {"version": "current"}}, {"rule": {"version": 4}}, "", 4) == []
    assert m({"rule": {"version": "current"}}, {"rule": {"version": 3}}, "", 4)


def test_a_version_bump_breaks_no_staff_case(folder):
    from services.rules.dependencies import folder_texts
    from services.rules.cli import read_draft
    files, case_texts, _ = read_draft(folder)
    for name, text in list(files.items()):
        import re
        files[name] = re.sub(r"^version: (\d+)$", lambda mm: f"version: {int(mm.group(1)) + 5}", text, count=1, flags=re.M)
    check = publishing.check_draft(files, case_texts)
    assert check.problems == [] and check.failures == [] and check.cases_run > 50
    assert folder_texts(folder).keys() == files.keys()
