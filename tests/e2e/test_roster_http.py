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
