"""A clerk's roster upload and downloads over HTTP, against the services as `make run` starts
them: a village .xlsx larger than a JSON string limit, the grouped refusal, the exports."""
from __future__ import annotations

import base64
import io

import requests
from openpyxl import load_workbook

from tests.e2e.conftest import cadre, expect, uid
from tests.support.rosters import Household, Roster, id_number


def test_upload_a_village_roster_then_download_it(api, tmp_path, person):
    village = uid("v")
    requests = cadre(person, village)  # a roster is imported by a cadre of its village (identity)
    households = [Household(f"{1 + i % 3}组", f"户主{i}", id_number(600 + i, area="420981"), size=1 + i % 5)
                  for i in range(400)]     # ~20 KB of base64: more than any other route's string
    path = Roster(households=households, merge_hamlets=True).write(tmp_path / "花名册.xlsx")
    body = {"filename": path.name, "content_base64": base64.b64encode(path.read_bytes()).decode(),
            "town_id": uid("t"), "village_id": village, "village_name": "测试村"}
    assert len(body["content_base64"]) > 20_000
    made = expect(requests.post(f"{api}/api/roster/imports", json=body), 201)
    assert made["created"]["households"] == 400 and made["report"]["header_line"] == 3

    wrong = Roster(households=households[:3] + [Household("1组", "重复", households[0].id_number)])
    bad = {**body, "content_base64": base64.b64encode(wrong.write(tmp_path / "b.xlsx").read_bytes()).decode()}
    refused = expect(requests.post(f"{api}/api/roster/imports", json=bad), 400)
    assert "与第4行是同一个人" in refused["message"] and refused["groups"][0]["header"] == "身份证号"

    download = requests.get(f"{api}/api/exports/households", params={"village_id": village, "format": "xlsx"})
    assert download.status_code == 200, download.text
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("序号", "组别", "户主姓名") and len(rows) == 2 + 400 + 1
    assert rows[-1][:3] == ("合计", "3个组", "400户") and rows[-1][5] == sum(h.size for h in households)
    totals = expect(requests.get(f"{api}/api/contributions/totals", params={"village_id": village}), 200)
    assert totals["entries"] == 0 and totals["money"]["total"] == "0.00"


def test_personal_numbers_whole_only_for_the_household_and_the_phone_for_its_cadres(api, tmp_path, person):
    """身份证号 and phone: masked for everyone but the household itself (both whole) and its
    village's cadres (the phone whole); nothing for a neighbour or the public, nor in the export."""
    from tests.support.wait import until
    village = uid("v")
    clerk = cadre(person, village)
    people = [Household("1组", "伍建国", id_number(701, area="420981"), phone="13800001111"),
              Household("1组", "唐德胜", id_number(702, area="420981", male=False), sex="女", phone="13900002222")]
    path = Roster(households=people).write(tmp_path / "花名册.xlsx")
    expect(clerk.post(f"{api}/api/roster/imports", json={
        "filename": path.name, "content_base64": base64.b64encode(path.read_bytes()).decode(),
        "town_id": uid("t"), "village_id": village, "village_name": "测试村"}), 201)
    listed = expect(clerk.get(f"{api}/api/households", params={"hamlet_id": f"{village}-g1"}), 200)
    ids = {h["head_name"]: h["household_id"] for h in listed}
    number, phone = people[0].id_number, "13800001111"
    masked_number, masked_phone = number[:3] + "*" * 11 + number[-4:], "138****1111"
    url = f"{api}/api/households/{ids['伍建国']}"

    def head(session):
        return expect(session.get(url), 200)["residents"][0]

    own = head(person("resident", f"household:{ids['伍建国']}"))
    assert (own["id_number"], own["phone"]) == (number, phone)
    of_cadre = head(clerk)
    assert (of_cadre["id_number"], of_cadre["phone"]) == (masked_number, phone)
    of_supervisor = head(person("supervisor", f"village:{village}"))
    assert (of_supervisor["id_number"], of_supervisor["phone"]) == (masked_number, masked_phone)
    for outsider, status in ((person("resident", f"household:{ids['唐德胜']}"), 403),
                             (person("hamlet_head", f"hamlet:{village}-g1"), 200),
                             (requests.Session(), 401)):
        answer = outsider.get(url)
        assert answer.status_code == status, answer.text
        assert number[-6:] not in answer.text and phone[-4:] not in answer.text

    export = clerk.get(f"{api}/api/exports/households", params={"village_id": village, "format": "csv"})
    assert export.status_code == 200 and masked_number in export.text
    assert number not in export.text and phone not in export.text
    board = until(lambda: (page := requests.get(f"{api}/v/{village}/")).status_code == 200 and page,
                  timeout=60, message="the board to know the village")
    for shown in (number, phone, masked_number, masked_phone):
        assert shown not in board.text
