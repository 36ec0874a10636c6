"""表格视图: an area exported as an Excel sheet with Chinese labels, edited with openpyxl as a
policy officer would in Excel, and read back into the draft's YAML file: the draft differs by
exactly the edited value (comments and layout kept), validates, and a bad cell is named by
sheet, row and column in Chinese."""
from __future__ import annotations

import difflib

import pytest
from openpyxl import load_workbook

from services import cli
from services.rules import loader, table

from .helpers import copy_rules, version_of


def _row(sheet, path):
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == path:
            return row
    raise AssertionError(f"{path} not in {sheet.title}")


def _changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_export_edit_one_number_import_and_the_draft_differs_by_just_that_value(tmp_path, capsys):
    draft = copy_rules(tmp_path)
    before = (draft / "civility_points.yaml").read_text(encoding="utf-8")
    sheet_file = tmp_path / "积分.xlsx"
    assert cli.main(["rules", "export", "civility_points", "--xlsx", str(sheet_file), "--dir", str(draft)]) == 0
    assert "已导出" in capsys.readouterr().out

    book = load_workbook(sheet_file)
    assert book.sheetnames == ["说明", "文件", "参数", "规则"]
    params = book["参数"]
    assert [c.value for c in params[1]][:4] == ["位置 path", "名称", "值", "类型"]
    row = _row(params, "params.deeds.help_neighbour.points")
    assert (row[1].value, row[2].value, row[3].value) == ("邻里互助 · 分值", 5, "整数")
    assert _row(book["文件"], "version")[2].value == version_of(draft / "civility_points.yaml")
    assert _row(book["规则"], "rules.0.then.reason")[1].value.startswith("加分 · 结果")
    row[2].value = 6                                   # the officer's one edit
    book.save(sheet_file)

    assert cli.main(["rules", "import-table", str(sheet_file), "--dir", str(draft)]) == 0
    out = capsys.readouterr().out
    assert "params.deeds.help_neighbour.points: 5 -> 6" in out and "版本号加一" in out
    after = (draft / "civility_points.yaml").read_text(encoding="utf-8")
    assert _changed_lines(before, after) == [
        "-    help_neighbour: {label: 邻里互助, points: 5, kind: reward, cap_per_period: 20}",
        "+    help_neighbour: {label: 邻里互助, points: 6, kind: reward, cap_per_period: 20}"]
    assert cli.main(["rules", "validate", "--dir", str(draft)]) == 0

    # importing the same sheet again changes nothing
    assert cli.main(["rules", "import-table", str(sheet_file), "--dir", str(draft)]) == 0
    assert "没有改动" in capsys.readouterr().out


def test_texts_lists_and_the_version_round_trip(tmp_path):
    draft = copy_rules(tmp_path)
    before = (draft / "major_matter.yaml").read_text(encoding="utf-8")
    sheet_file = tmp_path / "major.xlsx"
    table.export_area(before, "major_matter", sheet_file)
    book = load_workbook(sheet_file)
    version = _row(book["文件"], "version")
    version[2].value = version[2].value + 1
    _row(book["参数"], "params.ordinary_bodies")[2].value = "[hamlet_meeting, household_heads_meeting]"
    _row(book["规则"], "rules.1.label")[2].value = "一般事务（垸组商定）"
    book.save(sheet_file)
    result = table.import_table(sheet_file, draft)
    assert result["version_changed"] and len(result["changes"]) == 3
    after = (draft / "major_matter.yaml").read_text(encoding="utf-8")
    assert len(_changed_lines(before, after)) == 6
    policies, problems = loader.load_dir(draft)
    assert problems == []
    policy = policies["major_matter"]
    assert policy.params["ordinary_bodies"] == ["hamlet_meeting", "household_heads_meeting"]
    assert policy.version == int(before.split("\nversion: ")[1].split("\n")[0]) + 1
    assert "# 垸组会" in after  # the comment beside the edited list is kept


def test_a_bad_cell_is_named_by_sheet_row_and_column_and_nothing_is_written(tmp_path, capsys):
    draft = copy_rules(tmp_path)
    before = (draft / "major_matter.yaml").read_text(encoding="utf-8")
    sheet_file = tmp_path / "major.xlsx"
    table.export_area(before, "major_matter", sheet_file)
    book = load_workbook(sheet_file)
    row = _row(book["参数"], "params.major_budget_yuan")
    row[2].value = "五万"
    book.save(sheet_file)
    assert cli.main(["rules", "import-table", str(sheet_file), "--dir", str(draft)]) == 1
    err = capsys.readouterr().err
    assert f"“参数”表第 {row[2].row} 行 C 列：应是整数，写的是 '五万'" in err and "没有写回草稿" in err
    assert (draft / "major_matter.yaml").read_text(encoding="utf-8") == before

    # a value of the right kind that the schema refuses: named by its row, too
    row[2].value = -5
    book.save(sheet_file)
    with pytest.raises(table.TableError) as refused:
        table.import_table(sheet_file, draft)
    assert refused.value.problems[0].startswith(f"“参数”表第 {row[2].row} 行")
    assert (draft / "major_matter.yaml").read_text(encoding="utf-8") == before
