"""Batch paths end to end: a hamlet's rating sheet uploaded as .xlsx, a work day's labour list
over HTTP and from the command line, each one command, their points appearing in scoring and
their events in the catch-up feed; a bad sheet keeps nothing and names its row."""
from __future__ import annotations

import base64
import io
import uuid

import pytest

from tests.support.identity import issue, session
from tests.support.stack import ROOT
from tests.support.wait import until

pytestmark = pytest.mark.e2e

_LINES = (ROOT / "services" / "contributions" / "samples" / "wuguidun_roster.csv").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def village(stack):
    """A copy of 伍桂墩村 of this module's own, its cadre, and its roster known to scoring."""
    tag = uuid.uuid4().hex[:5]
    sample = "\n".join([_LINES[0]] + [line for line in _LINES[1:] if ",v-wgd," in line]) + "\n"
    text = sample.replace("v-wgd", f"v-b{tag}").replace("伍桂墩村", f"批量村{tag}").replace("wgd-", f"b{tag}-")
    config = {"AMQP_URI": stack.amqp_uri}
    cadre = session(stack.url, issue(config, "village_cadre", f"village:v-b{tag}")["token"])
    made = cadre.post(f"{stack.url}/api/roster/imports", json={"filename": "roster.csv", "content": text})
    assert made.status_code == 201, made.text
    until(lambda: cadre.get(f"{stack.url}/api/scoring/households/b{tag}-1-04").status_code == 200,
          timeout=120, message="scoring to know the roster")
    feed = session(stack.url, issue(config, "integration", f"village:v-b{tag}")["token"])
    return {"tag": tag, "cadre": cadre, "feed": feed, "base": stack.url, "hamlet": f"b{tag}-1",
            "village": f"v-b{tag}"}


def _xlsx(rows) -> str:
    from openpyxl import Workbook
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


def test_a_rating_sheet_uploaded_as_xlsx_becomes_points(village):
    base, cadre, tag = village["base"], village["cadre"], village["tag"]
    households = [f"b{tag}-1-0{i}" for i in (1, 2, 3)]
    answer = cadre.post(f"{base}/api/ratings/sheets", json={
        "hamlet_id": village["hamlet"], "quarter": "2026Q2", "filename": "评比表.xlsx",
        "content_base64": _xlsx([["户号", "星级"], *[[h, 5 + i] for i, h in enumerate(households)]])})
    assert answer.status_code == 201, answer.text
    sheet = answer.json()
    assert [(r["household_id"], r["stars"]) for r in sheet["ratings"]] == list(zip(households, (5, 6, 7)))
    assert sheet["rated_by"].startswith("token:")
    entry = cadre.get(f"{base}/api/points/{sheet['ratings'][0]['entry_id']}").json()
    assert (entry["source"], entry["status"], entry["points"] > 0) == ("rating", "pending", True)
    until(lambda: any(e["data"]["sheet_id"] == sheet["sheet_id"] for e in village["feed"].get(
        f"{base}/api/events", params={"types": "civility.sheet_rated", "limit": 500}).json()["events"]),
        timeout=60, message="the sheet's one event in the catch-up feed")


def test_a_bad_sheet_keeps_nothing_and_names_its_row(village):
    base, cadre, tag = village["base"], village["cadre"], village["tag"]
    answer = cadre.post(f"{base}/api/ratings/sheets", json={
        "hamlet_id": village["hamlet"], "quarter": "2026Q3", "filename": "评比表.xlsx",
        "content_base64": _xlsx([["户号", "星级"], [f"b{tag}-1-01", 8], [f"b{tag}-1-02", 12]])})
    assert answer.status_code == 400, answer.text
    fields = answer.json()["fields"]
    assert list(fields) == ["ratings.1.stars"] and fields["ratings.1.stars"][0].startswith("第3行 stars：")
    assert cadre.get(f"{base}/api/points", params={"source": "rating", "quarter": "2026Q3",
                                                   "household_id": f"b{tag}-1-01"}).json() == []


def test_a_labour_list_over_http_and_from_the_command_line(village, stack, tmp_path):
    base, cadre, tag = village["base"], village["cadre"], village["tag"]
    project_id = f"b{tag}-well"
    made = cadre.post(f"{base}/api/projects", json={
        "project_id": project_id, "name": "修井 the well", "scope": "hamlet", "village_id": village["village"],
        "hamlet_id": village["hamlet"], "budget": "1000", "mix": {"grant": "0", "sponsor": "0", "crowd": "1000"}})
    assert made.status_code == 201, made.text
    answer = cadre.post(f"{base}/api/contributions/batches", json={
        "kind": "labour", "project_id": project_id, "unit": "days",
        "entries": [{"household_id": f"b{tag}-1-0{i}", "quantity": "1"} for i in (2, 3)]})
    assert answer.status_code == 201, answer.text
    assert [e["hours"] for e in answer.json()] == ["8.00", "8.00"]
    sheet = tmp_path / "work-day.csv"
    sheet.write_text(f"户号,数量\nb{tag}-1-04,0.5\n", encoding="utf-8")
    done = stack.cocreate("contributions", "batch", str(sheet), "--kind", "labour", "--project", project_id,
                          "--unit", "days")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 条" in done.stdout
    for household in (f"b{tag}-1-02", f"b{tag}-1-04"):
        until(lambda: cadre.get(f"{base}/api/points", params={"source": "labour", "household_id": household}).json(),
              timeout=60, message=f"labour points of {household}")
    progress = cadre.get(f"{base}/api/projects/{project_id}").json()
    assert progress["leadership"] in ("ok", "flag")
