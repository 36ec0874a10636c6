"""Policy staff's own loop, end to end against the running rules service over the real broker:
decisions are logged; the staff edit a draft, rehearse it on the stored decisions
(`cocreate rules replay`), turn one into a case (`case-from`), see the draft's differences
(`status`), publish it with a reason (`publish`), and read who changed what (`history`, `show`,
`diff`). A half-saved file, a failing case, an alias bomb and a lowered version publish nothing."""
import csv
import shutil

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services import cli
from services.kernel.config import ROOT
from services.kernel.nameko_ext import topology
from services.rules.service import RulesService
from tests.unit.rules.test_guards import ALIAS_BOMB

pytestmark = pytest.mark.integration


def _lines(text):
    return [line for line in text.splitlines() if line.strip()]


def test_rehearse_publish_and_read_the_history(container_factory, service_config, tmp_path, capsys, monkeypatch):
    draft = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", draft, ignore=shutil.ignore_patterns("schema"))
    import re  # the story counts major_matter's versions from its first publication
    first = draft / "major_matter.yaml"
    first.write_text(re.sub(r"^version: \d+$", "version: 1", first.read_text(encoding="utf-8"), count=1, flags=re.M),
                     encoding="utf-8")
    config = {**service_config, "RULES_DIR": str(draft), "RULES_WATCH_INTERVAL": 0}
    topology.apply(config["AMQP_URI"], [RulesService])
    container_factory(RulesService, config).start()
    rules = ["--amqp-uri", config["AMQP_URI"], "rules"]
    here = ["--dir", str(draft)]
    monkeypatch.setenv("USER", "policy-officer-wang")
    monkeypatch.setenv("LOGNAME", "policy-officer-wang")

    def run(*args):
        code = cli.main([*rules, *args])
        out, err = capsys.readouterr()
        return code, out, err

    with ClusterRpcProxy(config, timeout=30) as rpc:
        # last quarter's decisions, as villages asked them
        budgets = [30000, 80000, 150000, 90000]
        made = [rpc.rules.decide("major_matter", {"scope": "village", "estimated_budget": b}) for b in budgets]
        assert [d["outcome"] for d in made] == ["ordinary", "ordinary", "major", "ordinary"]

        code, out, _ = run("status", *here)
        assert code == 0 and "没有差别" in out and "major_matter       v1" in out

        # The draft: major matters from 50 000 yuan. Rehearse it on the stored decisions.
        path = draft / "major_matter.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("major_budget_yuan: 100000", "major_budget_yuan: 50000")
                        .replace("version: 1\n", "version: 2\n", 1), encoding="utf-8")
        out_csv = tmp_path / "what-if.csv"
        code, out, _ = run("replay", *here, "--area", "major_matter", "--out", str(out_csv))
        assert code == 0
        assert "重放 4 条已存的决定" in out and "有 2 条会变" in out
        assert out.count("ordinary (major_matter.ordinary v1)  ->  major (major_matter.budget v2)") == 2
        with out_csv.open(encoding="utf-8-sig") as table:
            rows = list(csv.DictReader(table))
        assert sorted(r["决定编号"] for r in rows) == sorted(made[i]["decision_id"] for i in (1, 3))
        out_xlsx = tmp_path / "what-if.xlsx"
        assert run("replay", *here, "--area", "major_matter", "--out", str(out_xlsx))[0] == 0
        from openpyxl import load_workbook
        sheet = load_workbook(out_xlsx).active
        assert sheet.max_row == 3 and sheet.cell(1, 5).value == "草稿下的结果"

        code, out, _ = run("status", *here)
        assert "major_matter.yaml" in out and "已改动 v1 -> 草稿 v2" in out

        # A case from a stored decision, as the rules in force decided it: it now fails.
        code, out, _ = run("case-from", made[1]["decision_id"], "--append", *here)
        assert code == 0 and "已加到" in out
        code, out, err = run("publish", *here, "--message", "重大事务门槛降到五万")
        assert code == 1 and "什么都没有发布" in err and "用例未通过" in err and "应是 ordinary，实际是 major" in err
        assert rpc.rules.decide("major_matter", {"scope": "village", "estimated_budget": 80000})["rule"]["version"] == 1

        cases = draft / "tests" / "major_matter.yaml"
        case_text = cases.read_text(encoding="utf-8")
        wrong = "outcome: ordinary\n      rule: major_matter.ordinary\n      values:\n        bodies:\n        - hamlet_meeting"
        assert wrong in case_text
        cases.write_text(case_text.replace(
            wrong, "outcome: major\n      rule: major_matter.budget\n      values:\n        bodies: {contains: representatives_assembly}"
        ).replace("estimated_budget: 100000}", "estimated_budget: 50000}"), encoding="utf-8")

        # A half-saved file, then an alias bomb: refused, nothing published.
        (draft / "labour.yaml").write_text((ROOT / "rules" / "labour.yaml").read_text(encoding="utf-8")[:200],
                                           encoding="utf-8")
        code, _, err = run("publish", *here, "--message", "门槛降到五万")
        assert code == 1 and "labour.yaml" in err and "什么都没有发布" in err
        (draft / "labour.yaml").write_text(ALIAS_BOMB.replace("major_matter", "labour"), encoding="utf-8")
        code, _, err = run("publish", *here, "--message", "门槛降到五万")
        assert code == 1 and "锚点" in err
        shutil.copy(ROOT / "rules" / "labour.yaml", draft / "labour.yaml")

        code, out, err = run("publish", *here, "--message", "重大事务门槛降到五万")
        assert code == 0, err
        assert "major_matter       v1 -> v2" in out
        decided = rpc.rules.decide("major_matter", {"scope": "village", "estimated_budget": 80000})
        assert (decided["outcome"], decided["rule"]["version"]) == ("major", 2)  # no restart, no reload

        # A lowered version is refused.
        path.write_text(path.read_text(encoding="utf-8").replace("version: 2\n", "version: 1\n", 1)
                        .replace("major_budget_yuan: 50000", "major_budget_yuan: 60000"), encoding="utf-8")
        code, _, err = run("publish", *here, "--message", "改回去")
        assert code == 1 and "低于已发布的 2" in err and "version: 3" in err

        code, out, _ = run("history", "major_matter")
        [latest, first] = _lines(out)
        assert "v2" in latest and "policy-officer-wang" in latest and "重大事务门槛降到五万" in latest
        assert "v1" in first and "system" in first
        code, out, err = run("show", "major_matter", "--version", "1")
        assert code == 0 and "major_budget_yuan: 100000" in out and "system" in err
        code, out, _ = run("diff", "major_matter", "1", "2")
        assert "-  major_budget_yuan: 100000" in out and "+  major_budget_yuan: 50000" in out
        assert run("show", "major_matter", "--version", "7")[0] == 1

        code, out, _ = run("reload")
        assert code == 0 and "major_matter       v2" in out
