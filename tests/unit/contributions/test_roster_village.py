"""花名册 as villages keep them: real .xlsx files written by the test, with every kind of mess."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from services.contributions import identity, models, roster
from services.kernel.errors import ValidationFailed
from services.kernel.outbox import outbox_table

from tests.support.rosters import Household, Roster, id_number

OPTIONS = roster.Options(town_id="t-xx", village_id="v-wgd", town_name="xx镇", village_name="伍桂墩村")


def messy() -> Roster:
    """Trailing spaces, full-width digits, 2组/二组/第二组, merged 组别, a totals formula."""
    return Roster(households=[
        Household("1组", "伍建国", id_number(1), party="是", category="在职", phone="138 0000 1111", size=4),
        Household("1组", "陈秀英", id_number(2, male=False), sex="女", size=2),
        Household("1组", "伍长林", id_number(3), party="", category="年老", size=1, note="独居"),  # category only
        Household("２组 ", "彭乃国", id_number(4), phone="0710-3345678"),
        Household("二组", "彭乃然", id_number(5)),
        Household("第二组", "黄远福", id_number(6)),
        Household(" ５组", "唐德胜", id_number(7), size=5),
    ], merge_hamlets=True)


def run(session, tmp_path, sheet: Roster, clock, policy, options=OPTIONS, apply=True, name="花名册.xlsx"):
    path = sheet.write(tmp_path / name)
    return roster.import_file(session, name, path.read_bytes(), clock, policy, options=options, apply=apply)


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_a_messy_village_roster_imports_as_the_village_means_it(session, tmp_path, clock, policy):
    result = run(session, tmp_path, messy(), clock, policy)
    session.commit()
    assert result["rows"] == 7
    assert result["created"]["households"] == 7 and result["created"]["residents"] == 7
    hamlets = dict(session.execute(select(models.Hamlet.id, models.Hamlet.name)).all())
    assert hamlets == {"v-wgd-g1": "一组", "v-wgd-g2": "二组", "v-wgd-g5": "五组"}
    report = result["report"]
    assert report["header_line"] == 3
    assert report["skipped"]["title"]["lines"] == [1] and report["skipped"]["blank"]["lines"] == [2]
    assert report["skipped"]["totals"]["lines"] == [11]
    renamed = {(r["written"], r["read_as"]): r["rows"] for r in report["hamlet_names"]}
    assert renamed == {("1组", "一组"): 3, ("２组", "二组"): 1, ("第二组", "二组"): 1, ("５组", "五组"): 1}
    # merged 组别 cells: the three 1组 rows all landed in 一组
    assert count(session, models.Household) == 7
    assert session.scalar(select(func.count()).select_from(models.Household)
                          .where(models.Household.hamlet_id == "v-wgd-g1")) == 3
    # a category implies membership
    head = session.scalar(select(models.Resident).where(models.Resident.name == "伍长林"))
    assert head.party_member is True and head.party_category == "elderly"
    household = session.get(models.Household, head.household_id)
    assert household.size == 1 and household.note == "独居"
    woman = session.scalar(select(models.Resident).where(models.Resident.name == "陈秀英"))
    assert woman.sex == "female"


def test_personal_numbers_are_encrypted_hashed_masked_and_never_in_events(session, tmp_path, clock, policy):
    run(session, tmp_path, messy(), clock, policy)
    session.commit()
    number = id_number(1)
    head = session.scalar(select(models.Resident).where(models.Resident.name == "伍建国"))
    assert head.id_number_masked == number[:3] + "*" * 11 + number[-4:]
    assert number not in (head.id_number_enc or "") and head.id_number_enc
    vault = identity.vault()
    assert vault.decrypt(head.id_number_enc) == number
    assert head.id_number_hash == vault.digest("id", number)
    assert head.phone_masked == "138****1111" and vault.decrypt(head.phone_enc) == "13800001111"
    landline = session.scalar(select(models.Resident).where(models.Resident.name == "彭乃国"))
    assert vault.decrypt(landline.phone_enc) == "07103345678"
    bodies = " ".join(session.scalars(select(outbox_table.c.body)))
    batches = [json.loads(body)["data"] for body in session.scalars(
        select(outbox_table.c.body).where(outbox_table.c.event_type == "households.registered"))]
    assert sum(len(b["households"]) for b in batches) == 7
    for h in messy().households:
        assert h.id_number not in bodies and h.id_number[-6:] not in bodies
    assert "13800001111" not in bodies


def test_reimporting_the_same_roster_changes_nothing_even_renumbered(session, tmp_path, clock, policy):
    run(session, tmp_path, messy(), clock, policy)
    session.commit()
    events = count(session, outbox_table)
    sheet = messy()
    sheet.households.reverse()                       # new 序号 for everyone
    for index, h in enumerate(sheet.households):
        h.seq = 100 + index
    again = run(session, tmp_path, sheet, clock, policy, name="again.xlsx")
    session.commit()
    assert again["changed"] is False
    assert again["unchanged"]["households"] == 7 and again["unchanged"]["residents"] == 7
    assert count(session, outbox_table) == events


def test_the_same_person_twice_is_a_duplicate_whatever_the_seq(session, tmp_path, clock, policy):
    sheet = messy()
    sheet.households.append(Household("3组", "伍建国", " " + id_number(1).lower() + " ", seq=99))
    with pytest.raises(ValidationFailed) as caught:
        run(session, tmp_path, sheet, clock, policy)
    errors = caught.value.detail["errors"]
    assert [(e["line"], e["header"], e["code"]) for e in errors] == [(11, "身份证号", "id_number.duplicate")]
    assert "与第4行是同一个人" in errors[0]["message"]
    session.rollback()
    assert count(session, models.Household) == 0


def test_problems_are_grouped_in_chinese_with_row_header_and_fix(session, tmp_path, clock, policy):
    households = []
    for i in range(40):  # forty wrong check digits: one group, not forty lines
        good = id_number(100 + i)
        households.append(Household("1组", f"户{i}", good[:17] + ("0" if good[17] != "0" else "1")))
    households.append(Household("1组", "某甲", id_number(300), party="否", category="在职"))
    households.append(Household("1组", "某乙", id_number(301), phone="12345"))
    households.append(Household("1组", "某丙", id_number(302, born="19651332")[:17] + "0"))
    households.append(Household("1组", "某丁", id_number(303), sex="女"))
    households.append(Household("", "某戊", id_number(304)))
    with pytest.raises(ValidationFailed) as caught:
        run(session, tmp_path, Roster(households=households), clock, policy)
    detail = caught.value.detail
    assert detail["error_count"] == 45
    groups = {(g["header"], g["code"]): g for g in detail["groups"]}
    checksum = groups[("身份证号", "id_number.invalid")]
    assert checksum["count"] == 41 and len(checksum["rows"]) == 20 and checksum["rows"][0]["line"] == 4
    assert "校验位不对" in checksum["rows"][0]["detail"]
    by_line = {e["line"]: e for e in detail["errors"]}
    assert "出生日期" in by_line[46]["message"] and by_line[46]["header"] == "身份证号"
    # the refusal may be logged: it names rows, never the numbers themselves
    text = str(detail)
    assert all(h.id_number not in text for h in households) and "12345" not in text
    not_member = groups[("党员类别", "category.not_member")]
    assert not_member["rows"][0]["line"] == 44
    assert "把“是否党员”改为“是”" in not_member["fix"] and "清空" in not_member["fix"]
    assert groups[("联系电话", "phone.invalid")]["rows"][0]["line"] == 45
    assert groups[("性别", "sex.mismatch")]["rows"][0]["line"] == 47
    assert groups[("组别", "hamlet.empty")]["rows"][0]["line"] == 48
    message = detail["message"]
    assert message.startswith("花名册.xlsx：发现 45 处问题") and "整个文件都没有导入" in message
    assert len(message.splitlines()) < 20 and "共 41 行" in message and "怎么改" in message
    session.rollback()
    assert count(session, models.Resident) == 0


def test_check_only_reports_and_writes_nothing(session, tmp_path, clock, policy):
    result = run(session, tmp_path, messy(), clock, policy, apply=False)
    assert result["applied"] is False and result["would_import"]["households"] == 7
    assert count(session, models.Household) == 0 and count(session, outbox_table) == 0


def test_headers_found_below_titles_variants_and_a_mapping_file(session, tmp_path, clock, policy):
    sheet = messy()
    sheet.headers = ["编号", "所在组", "户主", "性别", "公民身份号码", "家庭人数", "政治面貌", "党员类型",
                     "手机号码", "说明"]
    sheet.households[0].party = "中共党员"
    assert run(session, tmp_path, sheet, clock, policy)["created"]["households"] == 7
    session.rollback()
    odd = messy()
    odd.headers = ["No", "片区", "当家人", "性别", "身份证号", "家庭人口", "是否党员", "党员类别", "电话", "备注"]
    with pytest.raises(ValidationFailed) as caught:
        run(session, tmp_path, odd, clock, policy, name="odd.xlsx")
    assert {(e["header"], e["code"]) for e in caught.value.detail["errors"]} == {
        ("姓名", "missing.name"), ("组别", "missing.hamlet")}
    mapping = roster.parse_mapping("片区: 组别\n当家人: name\n")
    options = roster.Options(**{**OPTIONS.__dict__, "mapping": mapping})
    result = run(session, tmp_path, odd, clock, policy, options=options, name="odd.xlsx")
    assert result["created"]["households"] == 7
    with pytest.raises(ValidationFailed) as bad:
        roster.parse_mapping("片区: 不知道\n")
    assert "不是认识的列名" in bad.value.detail["fields"]["mapping"][0]


def test_no_header_anywhere_says_which_headers_are_accepted(session, tmp_path, clock, policy):
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["随便", "什么"])
    book.active.append(["1", "2"])
    path = tmp_path / "x.xlsx"
    book.save(path)
    with pytest.raises(ValidationFailed) as caught:
        roster.import_file(session, "x.xlsx", path.read_bytes(), clock, policy, options=OPTIONS)
    error = caught.value.detail["errors"][0]
    assert error["code"] == "header.missing" and "户主姓名" not in error["fix"] and "身份证号" in error["fix"]


def test_a_person_already_on_the_roster_under_another_id_is_refused(session, tmp_path, clock, policy):
    run(session, tmp_path, messy(), clock, policy)
    session.commit()
    number = id_number(1)
    text = ("town_id,town_name,village_id,village_name,hamlet_id,hamlet_name,household_id,resident_id,"
            f"name,relation,party_member,身份证号\nt-xx,xx镇,v-wgd,伍桂墩村,h9,九组,hh9,r9,伍建国,户主,否,{number}\n")
    with pytest.raises(ValidationFailed) as caught:
        roster.import_file(session, "more.csv", text.encode(), clock, policy)
    assert caught.value.detail["errors"][0]["code"] == "id_number.stored"


def test_residents_follow_their_head_when_the_roster_lists_families(session, clock, policy):
    text = ("序号,组别,姓名,与户主关系,身份证号,是否党员,党员类别\n"
            f"1,1组,张一,户主,{id_number(11)},是,在职\n"
            f"2,1组,张一妻,配偶,{id_number(12, male=False)},否,\n"
            f"3,2组,李二,户主,{id_number(13)},否,\n")
    result = roster.import_file(session, "家庭.csv", text.encode(), clock, policy, options=OPTIONS)
    assert result["created"]["households"] == 2 and result["created"]["residents"] == 3
    wife = session.scalar(select(models.Resident).where(models.Resident.name == "张一妻"))
    head = session.scalar(select(models.Resident).where(models.Resident.name == "张一"))
    assert wife.household_id == head.household_id and not wife.is_head


def test_numbers_shown_whole_only_to_the_household_and_the_phone_to_its_village_cadres(
        session, tmp_path, clock, policy):
    from services.contributions import actors, roster_views, schemas
    from services.kernel.identity import Principal, Scope
    run(session, tmp_path, messy(), clock, policy)
    session.commit()
    head = session.scalar(select(models.Resident).where(models.Resident.name == "伍建国"))
    view = schemas.HouseholdOut().dump(roster_views.household_view(session, head.household_id))
    village = view["village_id"]

    def shown(role, scope, home=None):
        who = Principal("p", role, (Scope.parse(scope),), home=home)
        seen = actors.private_view(who, view)
        whole = roster_views.reveal(session, identity.vault(), seen, actors.revealed(who, seen))
        mine = [r for r in whole.get("residents", []) if r["name"] == "伍建国"]
        return (mine[0]["id_number"], mine[0]["phone"]) if mine else None

    number, masked = id_number(1), id_number(1)[:3] + "*" * 11 + id_number(1)[-4:]
    assert shown("resident", f"household:{head.household_id}") == (number, "13800001111")
    assert shown("village_cadre", f"village:{village}") == (masked, "13800001111")
    assert shown("village_cadre", "village:elsewhere", home=head.household_id) == (number, "13800001111")
    assert shown("village_cadre", "village:elsewhere") is None  # another village: no residents at all
    assert shown("supervisor", f"village:{village}") == (masked, "138****1111")
    assert shown("resident", "household:another") is None
    assert shown("hamlet_head", f"hamlet:{view['hamlet_id']}") is None
    assert actors.revealed(None, view) == frozenset()  # the platform's own calls see masks


def test_the_messy_roster_imports_and_reimports_on_postgresql(postgres_url, tmp_path, clock, policy):
    """PostgreSQL takes the new rows by COPY (db.insert_rows): rows with and without a phone in one
    COPY, the same result as SQLite, and a re-import that changes nothing."""
    from services.kernel import db
    engine = db.make_engine(postgres_url)
    models.Base.metadata.create_all(engine)
    db.create_all(engine)
    try:
        with db.session_factory(engine)() as session:
            first = run(session, tmp_path, messy(), clock, policy)
            session.commit()
            assert first["created"]["households"] == 7 and first["households_announced"] == 7
            landline = session.scalar(select(models.Resident).where(models.Resident.name == "彭乃国"))
            alone = session.scalar(select(models.Resident).where(models.Resident.name == "陈秀英"))
            assert identity.vault().decrypt(landline.phone_enc) == "07103345678"
            assert alone.phone_enc is None and alone.phone_masked is None and alone.id_number_enc
            again = run(session, tmp_path, messy(), clock, policy)
            session.commit()
            assert again["changed"] is False
            batches = session.scalars(select(outbox_table.c.body)
                                      .where(outbox_table.c.event_type == "households.registered")).all()
            assert len(batches) == 1 and len(json.loads(batches[0])["data"]["households"]) == 7
    finally:
        engine.dispose()
