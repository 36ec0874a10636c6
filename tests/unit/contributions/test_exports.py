"""Exports for the paper board: Chinese headers, names not ids, totals rows, money exact."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from services.contributions import exports, projects, recording
from services.kernel import tables
from services.kernel.errors import NotFound


def _money(session, clock, policy, household, amount, source="crowd", project_id=None):
    recording.record(session, policy, clock.now(), {"kind": "money", "household_id": household, "amount": Decimal(amount),
                                           "source": source, "recorded_by": "clerk", "project_id": project_id})


def test_ledger_export_sums_to_the_fen_in_csv_and_xlsx(session, clock, policy, roster_loaded):
    for household, amount in (("hh1", "0.10"), ("hh2", "0.20"), ("hh5", "9999999.99")):
        _money(session, clock, policy, household, amount)
    table = exports.table(session, "contributions", "v1", now=clock.now())
    assert table["title"] == "伍桂墩村 四出台账（2026-05-10 导出）"
    assert [row[2:5] for row in table["rows"][:-1]] == [["伍家垸", "张一", "出资"], ["伍家垸", "王二", "出资"],
                                                         ["桂花垸", "李五", "出资"]]
    assert table["rows"][-1][0] == "合计" and table["rows"][-1][6] == "10000000.29"
    book = load_workbook(io.BytesIO(tables.render(table, "xlsx")))
    sheet = book.active
    assert sheet["A1"].value.startswith("伍桂墩村 四出台账") and sheet["G2"].value == "金额（元）"
    assert sheet["G6"].value == pytest.approx(10000000.29) and sheet["G6"].number_format == "#,##0.00"
    lines = tables.render(table, "csv").decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:3] == ["序号", "登记日期", "组别"] and lines[-1].split(",")[6] == "10000000.29"


def test_households_export_names_hubs_and_counts(session, roster_loaded):
    table = exports.table(session, "households", "v1")
    assert table["headers"][:5] == ["序号", "组别", "户主姓名", "性别", "身份证号"]
    by_name = {row[2]: row for row in table["rows"][:-1]}
    assert by_name["王二"][9] == "张一"              # the hub by its head's name, not its id
    assert by_name["张一"][6] == "是" and by_name["张一"][7] == "在职"
    assert table["rows"][-1][:3] == ["合计", "2个组", "6户"] and table["rows"][-1][6] == "1户"


def test_village_totals_add_up_its_hamlets_exactly(session, clock, policy, roster_loaded):
    _money(session, clock, policy, "hh1", "0.10")
    projects.register_project(session, clock.now(), {   # 能人帮一点: sponsors give to a project's plan
        "project_id": "p-h2", "name": "桂花垸 road", "scope": "hamlet", "village_id": "v1", "hamlet_id": "h2",
        "budget": Decimal("1.00"), "mix": {"grant": Decimal("0"), "sponsor": Decimal("0.50"), "crowd": Decimal("0.50")}})
    _money(session, clock, policy, "hh5", "0.20", "sponsor", "p-h2")
    totals = exports.totals(session, {"village_id": "v1"})
    assert totals["entries"] == 2 and totals["money"]["total"] == "0.30"
    assert totals["money"]["by_source"] == {"grant": "0.00", "sponsor": "0.20", "crowd": "0.10"}
    assert exports.totals(session, {"village_id": "v1", "hamlet_id": "h2"})["money"]["total"] == "0.20"
    with pytest.raises(NotFound):
        exports.totals(session, {"village_id": "nowhere"})


def test_points_need_the_scoring_service_and_use_its_rankings(session, roster_loaded):
    class Scoring:
        def rankings(self, query):
            assert query == {"level": "household", "period": "2026", "village_id": "v1"}
            return {"rows": [{"household_id": "hh2", "head_name": "王二", "hamlet_id": "h1", "points": 12, "rank": 1},
                             {"household_id": "hh5", "head_name": "李五", "hamlet_id": "h2", "points": 3, "rank": 2}]}
    table = exports.table(session, "points", "v1", scoring=Scoring(), period="2026")
    assert table["rows"] == [[1, "伍家垸", "王二", 12], [2, "桂花垸", "李五", 3], ["合计", "", "2户", 15]]
