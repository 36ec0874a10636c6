"""Policy staff's own loop, end to end: edit a file, `cocreate rules reload`, the running rules
service decides by the new text; a broken file is refused and the rules in force keep deciding."""
import shutil

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services import cli
from services.kernel.config import ROOT
from services.kernel.nameko_ext import topology
from services.rules.service import RulesService

pytestmark = pytest.mark.integration


def test_edit_reload_decide_and_a_refused_broken_file(container_factory, service_config, tmp_path, capsys):
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    config = {**service_config, "RULES_DIR": str(rules_dir), "RULES_WATCH_INTERVAL": 0}
    topology.apply(config["AMQP_URI"], [RulesService])
    container_factory(RulesService, config).start()
    uri = ["--amqp-uri", config["AMQP_URI"]]
    facts = {"scope": "village", "estimated_budget": 150000}

    with ClusterRpcProxy(config, timeout=30) as rpc:
        before = rpc.rules.decide("major_matter", facts)
        assert before["outcome"] == "major"

        path = rules_dir / "major_matter.yaml"
        text = path.read_text(encoding="utf-8")
        version = before["rule"]["version"]
        edited = text.replace("major_budget_yuan: 100000", "major_budget_yuan: 200000") \
                     .replace(f"version: {version}\n", f"version: {version + 1}\n", 1)
        assert edited != text
        path.write_text(edited, encoding="utf-8")
        assert cli.main([*uri, "rules", "reload"]) == 0
        assert f"major_matter       v{version + 1}" in capsys.readouterr().out
        after = rpc.rules.decide("major_matter", facts)
        assert after["outcome"] == "ordinary" and after["rule"]["version"] == version + 1

        path.write_text(edited.replace(f"version: {version + 1}\n", "version: one\n", 1), encoding="utf-8")
        assert cli.main([*uri, "rules", "reload"]) == 1
        refused = capsys.readouterr().err
        assert "major_matter.yaml:" in refused and "integer" in refused
        still = rpc.rules.decide("major_matter", facts)
        assert (still["outcome"], still["rule"]["version"]) == ("ordinary", version + 1)
