"""A village roster over RPC (as the gateway's upload sends it), the exports and village totals."""
from __future__ import annotations

import base64
import io

import pytest
from openpyxl import load_workbook

from services.kernel import tables
from services.kernel.errors import ValidationFailed
from tests.support.rosters import Household, Roster, id_number
from tests.unit.contributions.test_roster_village import messy


def upload(rpc, path, **options):
    return rpc.import_roster({"filename": path.name, "content_base64": base64.b64encode(path.read_bytes()).decode(),
                              "town_id": "t1", "village_id": "v1", **options})


def test_village_roster_checked_then_imported_over_rpc(contributions, tmp_path, sink):
    path = messy().write(tmp_path / "花名册.xlsx")
    checked = upload(contributions, path, check=True)
    assert checked["applied"] is False and checked["would_import"]["households"] == 7
    result = upload(contributions, path)
    assert result["created"]["households"] == 7 and result["report"]["header_line"] == 3
    assert {r["read_as"] for r in result["report"]["hamlet_names"]} == {"一组", "二组", "五组"}
    hamlet = contributions.get_hamlet("v1-g2")
    assert hamlet["name"] == "二组" and hamlet["households"] == 3
    page = contributions.list_households({"hamlet_id": "v1-g1"})
    household = contributions.get_household(page[0]["household_id"])
    number = id_number(1)
    heads = {h["residents"][0]["name"]: h["residents"][0]
             for h in (contributions.get_household(p["household_id"]) for p in page)}
    assert heads["伍建国"]["id_number"] == number[:3] + "*" * 11 + number[-4:]
    assert heads["伍建国"]["phone"] == "138****1111" and heads["伍建国"]["sex"] == "male"
    assert household["size"] is not None
    again = upload(contributions, path)
    assert again["changed"] is False
    batches = sink.wait_for("households.registered", 2)   # the fixture's roster, then this one
    received = [h for batch in batches for h in batch["households"]]
    text = str(batches)
    assert len(received) == 13 and {"伍建国", "唐德胜"} <= {e["head_name"] for e in received}
    assert number not in text and "13800001111" not in text


def test_a_bad_roster_comes_back_grouped_in_chinese(contributions, tmp_path):
    sheet = Roster(households=[Household("1组", f"户{i}", id_number(200 + i)[:17] + "Y") for i in range(30)])
    with pytest.raises(ValidationFailed) as caught:
        upload(contributions, sheet.write(tmp_path / "bad.xlsx"))
    detail = caught.value.detail
    assert detail["error_count"] == 30 and len(detail["groups"]) == 1
    assert detail["groups"][0]["header"] == "身份证号" and detail["groups"][0]["count"] == 30
    assert "共 30 行" in detail["message"]
    with pytest.raises(ValidationFailed):
        contributions.import_roster({"filename": "x.xlsx", "content_base64": "", "mapping": {"片区": "nonsense"}})


def test_exports_with_chinese_headers_names_and_exact_totals(contributions):
    for amount in ("0.10", "0.20", "1234567.89"):
        contributions.record_contribution({"kind": "money", "household_id": "hh1", "amount": amount,
                                           "source": "crowd", "recorded_by": "clerk"})
    table = contributions.export_table("contributions", {"village_id": "v1"})
    assert table["headers"][:5] == ["序号", "登记日期", "组别", "户主", "类别"]
    assert table["rows"][0][2:5] == ["伍家垸", "张一", "出资"]
    assert table["rows"][-1][0] == "合计" and table["rows"][-1][6] == "1234568.19"
    sheet = load_workbook(io.BytesIO(tables.render(table, "xlsx"))).active
    assert sheet["A2"].value == "序号" and sheet.cell(row=6, column=7).value == pytest.approx(1234568.19)
    csv_text = tables.render(table, "csv").decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("序号,登记日期") and "1234568.19" in csv_text
    households = contributions.export_table("households", {"village_id": "v1"})
    assert households["rows"][0][1:3] == ["伍家垸", "张一"] and households["rows"][-1][2] == "6户"
    accounts = contributions.export_table("accounts", {"village_id": "v1"})
    assert accounts["rows"][-1][:2] == ["合计", "0个项目"]
    totals = contributions.contribution_totals({"village_id": "v1"})
    assert totals["money"]["total"] == "1234568.19" and totals["entries"] == 3
    assert contributions.contribution_totals({"village_id": "v1", "hamlet_id": "h2"})["entries"] == 0
