"""The platform's thin slice over the real broker: a verified good deed travels
proposals -> rules -> scoring -> notifications, each hop an event, each step traceable."""
from __future__ import annotations

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.kernel.nameko_ext import topology
from services.notifications.service import NotificationsService
from services.proposals.service import ProposalsService
from services.rules.service import RulesService
from services.scoring.service import ScoringService
from services.kernel.errors import ValidationFailed
from tests.support import bus
from tests.support.wait import until

pytestmark = pytest.mark.integration

SERVICES = [RulesService, ProposalsService, ScoringService, NotificationsService]


def test_a_good_deed_becomes_points_and_a_public_notice(container_factory, service_config):
    topology.apply(service_config["AMQP_URI"], SERVICES)
    for cls in SERVICES:
        container_factory(cls, service_config).start()

    with ClusterRpcProxy(service_config, timeout=30) as rpc:
        # the roster's households, as contributions announces them: a deed names only what exists
        bus.announce_roster(service_config["AMQP_URI"], {("wuguidun", "wuguidun-3"): {
            "wgd-3-07": ["wgd-3-07-1"], "wgd-3-02": ["wgd-3-02-1"]}})

        def heard():
            try:
                return rpc.proposals.body_members({"kind": "villagers", "village_id": "wuguidun"})["members"] == 2
            except ValidationFailed:
                return False
        until(heard, timeout=60, message="proposals to hear the roster")
        deed = rpc.proposals.report_good_deed({
            "village_id": "wuguidun", "hamlet_id": "wuguidun-3", "household_id": "wgd-3-07",
            "resident_id": "wgd-3-07-1", "deed_code": "help_neighbour",
            "description": "黄远福 helped an elderly neighbour rebuild her wall", "reported_by": "wgd-3-02-1"})
        rpc.proposals.verify_good_deed(deed["id"], {"verified_by": "cadre-wgd-1"})
        expected = rpc.rules.decide("civility_points", {"deed_code": "help_neighbour"})
        assert expected["outcome"] == "award" and expected["values"]["points"] > 0

        entries = until(lambda: rpc.scoring.list_entries({"household_id": "wgd-3-07"}),
                        timeout=30, message="scoring to record the points")
        assert len(entries) == 1
        entry = entries[0]
        assert entry["points"] == expected["values"]["points"]
        assert entry["rule"]["id"] == expected["rule"]["id"]
        assert entry["rule"]["version"] == expected["rule"]["version"]

        def board_types():
            return {n["cause_type"] for n in rpc.notifications.feed({"limit": 50})}
        until(lambda: "good_deed.verified" in board_types(), timeout=30, message="the good deed on the board")
        # the household's points are its own business (audience "household"): never on the public feed
        assert not board_types() & {"points.decided", "points.recorded"}


def test_the_platform_demo_step_shows_every_hop(container_factory, service_config, capsys):
    from demo import platform
    from demo.__main__ import Demo

    from services.contributions.service import ContributionsService
    from services.identity.service import IdentityService
    services = [*SERVICES, ContributionsService, IdentityService]  # the roster and the people's tokens
    topology.apply(service_config["AMQP_URI"], services)
    for cls in services:
        container_factory(cls, service_config).start()
    with Demo(service_config) as demo:
        platform.run(demo)
    out = capsys.readouterr().out
    for hop in ("proposals: verified", "rules: priced by rule civility_points.award",
                "scoring: entry", "notifications: on the public board  好人好事"):
        assert hop in out
