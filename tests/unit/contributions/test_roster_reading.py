"""Reading spreadsheets, normalising 组别, checking and protecting 身份证号 and phone numbers."""
from __future__ import annotations

import os
import stat
from datetime import date

import pytest
from openpyxl import Workbook

from services.contributions import identity, roster
from services.kernel import spreadsheet

from tests.support.rosters import id_number


def _rows(tmp_path, build, name="t.xlsx"):
    book = Workbook()
    build(book.active)
    path = tmp_path / name
    book.save(path)
    return list(spreadsheet.rows(spreadsheet.Source.of_path(path)))


def test_merged_cells_carry_their_value_and_rows_keep_excel_numbers(tmp_path):
    def build(sheet):
        sheet["A1"] = "花名册"
        sheet.merge_cells("A1:C1")
        sheet["A4"], sheet["B4"], sheet["C4"] = "1组", "甲", 3
        sheet["B5"], sheet["C5"] = "乙", 2.0
        sheet["B6"] = "丙"
        sheet.merge_cells("A4:A6")
        sheet["A7"], sheet["C7"] = "合计", "=SUM(C4:C6)"
    rows = dict(_rows(tmp_path, build))
    assert rows[1] == ["花名册", "花名册", "花名册"]
    assert rows[2] == [] or not any(rows[2])               # blank rows are still numbered
    assert [rows[n][0] for n in (4, 5, 6)] == ["1组", "1组", "1组"]
    assert rows[5][2] == "2"                                # 2.0 typed as a number reads as 2
    assert rows[7] == ["合计", "", "=SUM(C4:C6)"]           # formulas show themselves


def test_csv_in_gb18030_and_utf8_with_bom(tmp_path):
    text = "序号,组别,户主姓名\n1,二组,彭乃国\n"
    for encoding in ("gb18030", "utf-8-sig"):
        path = tmp_path / f"r-{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        assert list(spreadsheet.rows(spreadsheet.Source.of_path(path))) == [
            (1, ["序号", "组别", "户主姓名"]), (2, ["1", "二组", "彭乃国"])]


def test_unreadable_files_are_said_so_in_chinese(tmp_path):
    with pytest.raises(spreadsheet.UnreadableFile, match=".xls"):
        list(spreadsheet.rows(spreadsheet.Source("旧表.xls", data=b"x")))
    with pytest.raises(spreadsheet.UnreadableFile, match="不是有效的 .xlsx"):
        list(spreadsheet.rows(spreadsheet.Source("坏.xlsx", data=b"not a zip")))


@pytest.mark.parametrize("written,canonical,number", [
    ("2组", "二组", 2), ("二组", "二组", 2), ("第二组", "二组", 2), ("５组", "五组", 5), (" 5 组 ", "五组", 5),
    ("第12组", "十二组", 12), ("十二组", "十二组", 12), ("二十一组", "二十一组", 21), ("3", "三组", 3),
    ("第3村民小组", "三组", 3), ("伍家垸 ", "伍家垸", None), ("唐家　院子", "唐家院子", None),
])
def test_hamlet_names_are_normalised(written, canonical, number):
    assert roster.normalise_hamlet(written) == (canonical, number)


def test_id_numbers_checked_by_gb11643():
    assert identity.id_number_problem("11010519491231002X") is None
    assert identity.id_number_problem(id_number(5)) is None
    good = id_number(5)
    wrong = good[:17] + ("1" if good[17] != "1" else "2")
    assert "校验位不对" in identity.id_number_problem(wrong)
    assert "出生日期" in identity.id_number_problem("420902196513320011")
    assert "不合理" in identity.id_number_problem(id_number(1, born="20990101"), today=date(2026, 11, 30))
    assert "15位" in identity.id_number_problem("420902650312003")
    assert "应为18位" in identity.id_number_problem("4209021965")
    assert identity.clean(" ４２０９０２１９６５０３１２００３ｘ ") == "42090219650312003X"
    assert identity.sex_of_id("11010519491231002X") == "female"


def test_phones_checked_and_masks_show_only_the_ends():
    assert identity.phone_problem(identity.clean_phone("+86 138-0000-1111")) is None
    assert identity.phone_problem(identity.clean_phone("0710-3345678")) is None
    assert "区号" in identity.phone_problem("3345678")
    assert identity.phone_problem("12345") is not None
    assert identity.mask_id("42090219650312003X") == "420***********003X"
    assert identity.mask_phone("13800001111") == "138****1111"


def test_the_key_in_production_must_be_set_elsewhere_one_is_made_once(tmp_path):
    with pytest.raises(identity.MissingKey, match="COCREATE_PII_KEY"):
        identity.load_key(tmp_path, environ={"COCREATE_ENV": "production"})
    made = identity.load_key(tmp_path, environ={})
    assert identity.load_key(tmp_path, environ={}) == made
    assert stat.S_IMODE(os.stat(tmp_path / "pii.key").st_mode) == 0o600
    with pytest.raises(identity.MissingKey, match="32"):
        identity.Vault("short")
    one, other = identity.Vault(identity.generate_key()), identity.Vault(identity.generate_key())
    token = one.encrypt("42090219650312003X")
    assert one.decrypt(token) == "42090219650312003X" and "003X" not in token
    assert one.digest("id", "x") == one.digest("id", "x") != other.digest("id", "x")
    assert one.digest("id", "x") != one.digest("phone", "x")
    with pytest.raises(identity.MissingKey):
        other.decrypt(token)
