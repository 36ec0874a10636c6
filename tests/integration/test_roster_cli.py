"""A town clerk's paperwork against the running services: `cocreate roster import` of a roster as
the village keeps it (check, import, re-import, a refusal), then `cocreate export` and the API
downloads of the ledger and the points table, with Chinese headers and totals."""
from __future__ import annotations

import io
import socket
from datetime import datetime, timezone

import eventlet
import pytest
from openpyxl import load_workbook

from services import cli
from services.contributions.service import ContributionsService
from services.gateway.service import GatewayService
from services.identity.service import IdentityService
from services.kernel import config as kconfig
from services.kernel.config import ROOT
from services.kernel.nameko_ext import topology
from services.rules.service import RulesService
from services.kernel import periods
from services.scoring.service import ScoringService
from tests.support.identity import caller
from tests.support.rosters import Household, Roster, id_number
from tests.support.wait import until

pytestmark = pytest.mark.integration

SERVICES = [RulesService, ContributionsService, ScoringService, IdentityService]
KEY = "aW50ZWdyYXRpb24tdGVzdC1vbmx5LW5vdC1zZWNyZXQ="  # test-only, obviously not a secret


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def stack(vhosts, tmp_path, monkeypatch):
    from nameko.containers import get_container_cls
    monkeypatch.setenv("COCREATE_PII_KEY", KEY)   # the services and the command share the key
    uri = vhosts.create()
    port = _free_port()
    config = kconfig.load(environ={})
    config.update({"AMQP_URI": uri, "DATA_DIR": str(tmp_path / "data"), "DATABASE_URLS": {},
                   "RULES_DIR": str(ROOT / "rules"), "RETRY_DELAYS": [0.05, 0.1],
                   "OUTBOX_POLL_INTERVAL": 0.1, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"})
    topology.apply(uri, SERVICES)
    containers = []
    try:
        for cls in [*SERVICES, GatewayService]:
            container = get_container_cls(config)(cls, config)
            containers.append(container)
            container.start()
        http = f"http://127.0.0.1:{port}"
        # the clerk acts as a cadre of the village, with a token the running identity service issued
        yield {"uri": uri, "http": http, "db": kconfig.database_url(config, "contributions"),
               "clerk": caller(http, {"AMQP_URI": uri}, "village_cadre", "village:v-i")}
    finally:
        for container in reversed(containers):
            try:
                with eventlet.Timeout(30):
                    container.stop()
            except BaseException:  # noqa: BLE001
                container.kill()
        vhosts.delete(uri)


def village() -> Roster:
    return Roster(households=[
        Household("1组", "伍建国", id_number(1), party="是", category="在职", phone="13800001111", size=4),
        Household("1组 ", "陈秀英", id_number(2, male=False), sex="女"),
        Household("２组", "彭乃国", id_number(4)),
        Household("第二组", "黄远福", id_number(6), party="", category="年老"),
    ], merge_hamlets=True)


def test_roster_import_then_exports_against_the_running_services(stack, tmp_path, capsys):
    amqp = ["--amqp-uri", stack["uri"]]
    clerk = stack["clerk"]
    importing = ["roster", "import", "--town", "t-i", "--village", "v-i", "--town-name", "xx镇",
                 "--village-name", "伍桂墩村", "--database-url", stack["db"], "--no-rules", "--quiet"]
    path = village().write(tmp_path / "伍桂墩村花名册.xlsx")

    assert cli.main([*amqp, *importing, "--check", str(path)]) == 0
    assert "检查通过" in capsys.readouterr().out
    assert clerk.get(f"{stack['http']}/api/hamlets/v-i-g1").status_code == 404   # --check wrote nothing

    assert cli.main([*amqp, *importing, str(path)]) == 0
    out = capsys.readouterr().out
    assert "新建" in out and "4 户" in out and "表头在第 3 行" in out
    assert "“２组”" in out and "都按“二组”导入" in out
    households = clerk.get(f"{stack['http']}/api/households", params={"hamlet_id": "v-i-g1"}).json()
    assert {h["head_name"] for h in households} == {"伍建国", "陈秀英"}
    head = next(h for h in households if h["head_name"] == "伍建国")["household_id"]
    # scoring hears of the households through the outbox of the running contributions service
    until(lambda: clerk.get(f"{stack['http']}/api/scoring/households/{head}").status_code == 200,
          timeout=60, message="scoring to learn the imported households")

    assert cli.main([*amqp, *importing, str(path)]) == 0
    assert "没有任何改动" in capsys.readouterr().out

    bad = village()
    bad.households.append(Household("3组", "伍建国", id_number(1), seq=9))
    bad.households.append(Household("3组", "某人", id_number(7)[:17] + "Y"))
    assert cli.main([*amqp, *importing, str(bad.write(tmp_path / "bad.xlsx"))]) == 1
    err = capsys.readouterr().err
    assert "bad.xlsx：发现 2 处问题" in err and "第8行" in err and "与第4行是同一个人" in err
    assert "【身份证号】" in err and "怎么改" in err

    for amount in ("100.10", "0.05"):
        made = clerk.post(f"{stack['http']}/api/contributions", json={
            "kind": "money", "household_id": head, "amount": amount, "source": "crowd"})
        assert made.status_code == 201, made.text
    entry = clerk.post(f"{stack['http']}/api/points", json={
        "household_id": head, "deed_code": "help_neighbour", "reason": "帮邻居修墙"}).json()
    assert clerk.post(f"{stack['http']}/api/points/approvals", json={
        "entry_ids": [entry["entry_id"]]}).status_code == 200

    ledger_file = tmp_path / "ledger.xlsx"
    assert cli.main([*amqp, "export", "contributions", "--village", "v-i", "-o", str(ledger_file)]) == 0
    sheet = load_workbook(ledger_file).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("伍桂墩村 四出台账")
    assert rows[1][:5] == ("序号", "登记日期", "组别", "户主", "类别")
    assert rows[2][2:5] == ("一组", "伍建国", "出资")
    assert rows[-1][0] == "合计" and rows[-1][6] == pytest.approx(100.15)

    year = str(datetime.now(timezone.utc).year)
    points = clerk.get(f"{stack['http']}/api/exports/points",
                          params={"village_id": "v-i", "format": "xlsx", "period": year})
    assert points.status_code == 200, points.text
    assert points.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in points.headers["Content-Disposition"]
    table = list(load_workbook(io.BytesIO(points.content)).active.iter_rows(values_only=True))
    assert table[1] == ("名次", "组别", "户主", "积分")
    assert table[2][1:3] == ("一组", "伍建国") and table[2][3] == entry["points"]
    assert table[-1][0] == "合计" and table[-1][3] == entry["points"]

    csv_download = clerk.get(f"{stack['http']}/api/exports/households",
                                params={"village_id": "v-i", "format": "csv"})
    text = csv_download.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("序号,组别,户主姓名,性别,身份证号")
    assert id_number(1) not in text and id_number(1)[:3] + "*" * 11 + id_number(1)[-4:] in text

    rankings_file = tmp_path / "rankings.csv"
    assert cli.main([*amqp, "export", "rankings", "--village", "v-i", "--format", "csv",
                     "--period", periods.quarter_of(datetime.now(timezone.utc)), "-o", str(rankings_file)]) == 0
    assert rankings_file.read_text(encoding="utf-8-sig").splitlines()[0] == "名次,组别,户数,总积分,户均积分"

    totals = clerk.get(f"{stack['http']}/api/contributions/totals", params={"village_id": "v-i"})
    assert totals.status_code == 200, totals.text
    assert totals.json()["money"]["total"] == "100.15"
