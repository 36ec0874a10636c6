"""The co-building demo step against the real rules service and rule files, over the broker.

Contributions closes a funding round; the rules service ranks it by participation
(funding_round.closed -> funding_round.allocated); contributions applies the money. Every
policy answer (demolition, labour, funding mix, participation window) comes from rules/*.yaml.
"""
from __future__ import annotations

import pytest

from services.contributions.service import ContributionsService
from services.kernel.nameko_ext import topology
from services.rules.service import RulesService
from tests.support.sink import Sink

pytestmark = pytest.mark.integration


def test_demo_building_runs_end_to_end(container_factory, service_config, capsys):
    from demo import building
    from demo.__main__ import Demo

    from services.identity.service import IdentityService  # the people's tokens
    topology.apply(service_config["AMQP_URI"], [ContributionsService, RulesService, IdentityService])
    with Sink(service_config["AMQP_URI"], "contributions.events") as sink, \
            Sink(service_config["AMQP_URI"], "rules.events"):
        for cls in (RulesService, ContributionsService, IdentityService):
            container_factory(cls, service_config).start()
        with Demo(service_config) as demo:
            building.run(demo)
        out = capsys.readouterr().out
        assert "280,000.00 元" in out and "20,000.00 元" in out and "660 m²" in out
        assert "compensation claim refused" in out and "demolition." in out
        assert "2 vacant plots (205.00 m²)" in out and "32 old stones" in out
        assert "小组事小组上" in out and "are counted for lyc-yw" in out and "全村事大家上" in out
        assert "一律拆除 still standing on the register: 1" in out   # the dry toilet, listed not yet removed
        ranking = [line for line in out.splitlines() if line.strip().startswith("#")]
        # 桂花垸 (3 of 4 households gave to the love supermarket) outranks 伍家垸 (3 of 5)
        assert ranking[0].split()[1] == "wgd-2" and ranking[1].split()[1] == "wgd-1"
        allocated = sink.wait_for("funding.allocated", 2)
        assert {a["hamlet_id"]: a["rank"] for a in allocated} == {"wgd-2": 1, "wgd-1": 2}
        assert sink.events("project.funded")  # the love supermarket
