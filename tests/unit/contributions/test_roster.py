"""花名册 roster import: all-or-nothing, every bad row named, re-import changes nothing."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from services.contributions import models, roster
from services.kernel.errors import ValidationFailed

from .conftest import ROSTER
from tests.support.db import emitted


def announced_households(session) -> list[dict]:
    """Each household the imports announced, in order (``households.registered`` batches)."""
    return [h for _, d in emitted(session, "households.registered") for h in d["households"]]


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_import_builds_the_roster_and_announces_each_household(session, roster_loaded):
    assert roster_loaded["created"]["households"] == 6
    assert roster_loaded["created"]["residents"] == 7
    assert count(session, models.Hamlet) == 2
    announced = {d["household_id"]: d for d in announced_households(session)}
    assert len(emitted(session, "households.registered")) == 1  # one event for the whole village
    assert not emitted(session, "household.registered")
    assert set(announced) == {"hh1", "hh2", "hh3", "hh4", "hh5", "hh6"}
    assert announced["hh1"] == {"household_id": "hh1", "hamlet_id": "h1", "village_id": "v1",
                                "town_id": "t1", "head_name": "张一", "party_member": True,
                                "hub_household_id": None, "hamlet_name": "伍家垸", "village_name": "伍桂墩村",
                                # its people, for the other services' registers (never an ID or phone)
                                "residents": [
                                    {"resident_id": "r1", "name": "张一", "is_head": True, "party_member": True,
                                     "party_category": "in_office", "cadre": False},
                                    {"resident_id": "r1b", "name": "张一妻", "is_head": False, "party_member": False,
                                     "party_category": None, "cadre": False}]}
    assert announced["hh2"]["hub_household_id"] == "hh1"
    assert announced["hh2"]["party_member"] is False
    first = session.get(models.Resident, "r1")
    assert (first.is_head, first.party_member, first.party_category) == (True, True, "in_office")
    assert session.get(models.Resident, "r5").cadre is True


def test_reimporting_the_same_file_changes_nothing(session, clock, policy, roster_loaded):
    before = emitted(session)
    again = roster.import_file(session, "roster.csv", ROSTER.encode(), clock, policy)
    session.commit()
    assert again["changed"] is False
    assert again["unchanged"]["residents"] == 7 and again["unchanged"]["households"] == 6
    assert not any(again["created"].values()) and not any(again["updated"].values())
    assert emitted(session) == before  # no event, not even participation


def test_a_changed_household_is_announced_again(session, clock, policy, roster_loaded):
    changed = ROSTER.replace("hh4,,r4,孙四,户主,否,,否", "hh4,hh1,r4,孙四,户主,否,,否")
    result = roster.import_file(session, "roster.csv", changed.encode(), clock, policy)
    assert result["updated"]["households"] == 1
    announced = announced_households(session)
    assert announced[-1]["household_id"] == "hh4" and announced[-1]["hub_household_id"] == "hh1"
    assert len(announced) == 7


def test_a_resident_changed_is_announced_with_the_household(session, clock, policy, roster_loaded):
    # 王二 joins the party: the registers of the other services (党员会) must hear of it
    changed = ROSTER.replace("hh2,hh1,r2,王二,户主,否,,否", "hh2,hh1,r2,王二,户主,是,无职,否")
    roster.import_file(session, "roster.csv", changed.encode(), clock, policy)
    announced = announced_households(session)
    assert len(announced) == 7 and announced[-1]["household_id"] == "hh2"
    assert announced[-1]["residents"] == [{"resident_id": "r2", "name": "王二", "is_head": True, "party_member": True,
                                           "party_category": "without_office", "cadre": False}]


def test_the_roster_is_announced_again_as_the_import_announced_it(session, clock, policy, roster_loaded):
    imported = {d["household_id"]: d for d in announced_households(session)}
    assert len(imported) == 6
    assert roster.announce(session, "v1") == 6
    again = {d["household_id"]: d for d in announced_households(session)[6:]}
    assert again == imported       # the same announcements: consumers upsert, nothing changes for them
    assert roster.announce(session, "no-such-village") == 0


def test_one_bad_row_applies_nothing_and_names_the_row(session, clock, policy):
    bad = ROSTER.replace("hh3,hh1,r3,赵三,户主,否,,否", "hh3,hh1,r3,赵三,户主,maybe,,否")
    with pytest.raises(ValidationFailed) as caught:
        roster.import_file(session, "wuguidun.csv", bad.encode(), clock, policy)
    detail = caught.value.detail
    assert detail["fields"] == {"wuguidun.csv:5:party_member": ["“maybe”看不出是不是党员"]}
    assert detail["errors"] == [{"file": "wuguidun.csv", "line": 5, "field": "party_member",
                                 "header": "party_member", "message": "“maybe”看不出是不是党员",
                                 "fix": "写“是”或“否”", "code": "party.invalid"}]
    assert "第5行" in detail["message"] and "【party_member】" in detail["message"]
    session.rollback()
    assert count(session, models.Household) == 0 and count(session, models.Town) == 0
    assert emitted(session) == []


def test_every_bad_row_is_reported(session, clock, policy):
    lines = ROSTER.splitlines()
    lines[2] = lines[2].replace("张一妻", "")                       # line 3: no name
    lines[4] = lines[4].replace(",hh1,r3,", ",hh9,r3,")             # line 5: hub not on roster
    lines[6] = lines[6].replace("伍桂墩村", "别的村")                 # line 7: village renamed midway
    lines[7] = lines[7].replace("户主,否,,否", "户主,是,,否")           # line 8: party member, no category
    with pytest.raises(ValidationFailed) as caught:
        roster.import_file(session, "r.csv", ("\n".join(lines) + "\n").encode(), clock, policy)
    assert sorted(caught.value.detail["fields"]) == [
        "r.csv:3:name", "r.csv:5:hub_household_id", "r.csv:7:village_name", "r.csv:8:party_category"]


def test_a_hub_must_be_a_party_member_household(session, clock, policy):
    bad = ROSTER.replace("hh2,hh1,r2", "hh2,hh4,r2")
    with pytest.raises(ValidationFailed) as caught:
        roster.import_file(session, "r.csv", bad.encode(), clock, policy)
    assert list(caught.value.detail["fields"]) == ["r.csv:4:hub_household_id"]


def test_a_household_without_head_and_missing_columns_are_named(session, clock, policy):
    no_head = ROSTER.replace("hh4,,r4,孙四,户主", "hh4,,r4,孙四,儿子")
    with pytest.raises(ValidationFailed) as caught:
        roster.import_file(session, "r.csv", no_head.encode(), clock, policy)
    assert list(caught.value.detail["fields"]) == ["r.csv:6:relation"]
    header_only = "town_id,name\nt1,x\n"
    with pytest.raises(ValidationFailed) as caught:
        roster.import_file(session, "r.csv", header_only.encode(), clock, policy)
    assert "r.csv:1:village_id" in caught.value.detail["fields"]
    assert "r.csv:1:hamlet_name" in caught.value.detail["fields"]


def test_chinese_headers_and_gb18030_csv(session, clock, policy):
    header = "镇编号,镇,村编号,村,垸组编号,垸组,户编号,党员中心户,村民编号,姓名,与户主关系,党员,党员类别,村干部"
    text = "\n".join([header] + ROSTER.splitlines()[1:]) + "\n"
    result = roster.import_file(session, "花名册.csv", text.encode("gb18030"), clock, policy)
    assert result["created"]["residents"] == 7
    assert session.get(models.Household, "hh1").head_name == "张一"


def _xlsx(text: str) -> bytes:
    book = Workbook()
    sheet = book.active
    for line in text.splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_import_equals_csv_import(session, clock, policy, roster_loaded):
    again = roster.import_file(session, "roster.xlsx", _xlsx(ROSTER), clock, policy)
    assert again["changed"] is False


def test_xlsx_bad_row_names_its_sheet_row(session, clock, policy):
    bad = ROSTER.replace("hh6,,r6,周六,户主,否,,否", "hh6,,r6,周六,户主,否,retired,否")
    with pytest.raises(ValidationFailed) as caught:
        roster.import_file(session, "roster.xlsx", _xlsx(bad), clock, policy)
    assert list(caught.value.detail["fields"]) == ["roster.xlsx:8:party_category"]


def test_progress_covers_every_phase_and_reaches_each_total(session, clock, policy):
    seen = []
    roster.import_file(session, "roster.csv", ROSTER.encode(), clock, policy,
                       progress=lambda phase, done, total: seen.append((phase, done, total)))
    phases = [phase for phase, _, _ in seen]
    assert sorted(set(phases), key=phases.index) == ["reading", "checking", "writing", "announcing"]
    last = {phase: (done, total) for phase, done, total in seen}
    assert last["reading"] == (7, 7)                 # 7 rows
    assert last["writing"] == (17, 17)  # 1 town, 1 village, 2 hamlets, 6 households, 7 residents
    assert last["announcing"] == (6, 6)
