"""The cross-service policy workflows over the real broker, with the real rule files:

- 参与 funding feedback: contributions' ``project.funded`` for a project that carries out a motion
  moves that motion from funding_requested to funded (proposals records it as contributions' step);
- 半年评议: the motion completed (``motion.transitioned``) -> the rules service schedules its
  review in its database -> with the rules service's clock moved past the due date its timer emits
  ``review.due`` -> scoring has the review open; past the grace days ``review.overdue`` is on the
  public board and scoring marks the review overdue.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.contributions.service import ContributionsService
from services.kernel.clock import FixedClock
from services.kernel.nameko_ext import topology
from services.notifications.service import NotificationsService
from services.proposals.service import ProposalsService
from services.kernel.nameko_ext import Clock
from services.rules.engine import PolicyBook, rules_dir
from services.rules.service import RulesService
from services.scoring.service import ScoringService
from services.kernel.errors import ValidationFailed
from tests.support.wait import until

pytestmark = pytest.mark.integration

SERVICES = [RulesService, ProposalsService, ContributionsService, ScoringService, NotificationsService]
ROSTER = Path(__file__).resolve().parents[2] / "services" / "contributions" / "samples" / "wuguidun_roster.csv"
VILLAGE, HAMLET, HEAD = "v-wgd", "wgd-1", "wgd-1-01-1"


# 伍家垸's residents on the sample roster: the hamlet meeting's members
WUJIAYUAN = ["wgd-1-01-1", "wgd-1-01-2", "wgd-1-02-1", "wgd-1-03-1", "wgd-1-03-2", "wgd-1-04-1", "wgd-1-05-1"]


def _approved_motion(p):
    """A hamlet motion under the major-matter threshold: the hamlet meeting decides it."""
    motion = p.create_motion({
        "village_id": VILLAGE, "hamlet_id": HAMLET, "scope": "hamlet", "title": "伍家垸 塘边路灯",
        "description": "Street lamps by the pond", "estimated_budget": "6000",
        "contribution_kinds": ["money", "labour"], "created_by": HEAD})
    p.transition_motion(motion["id"], {"action": "raise", "by": HEAD, "why": "回音墙 suggestion"})
    p.transition_motion(motion["id"], {"action": "deliberate", "by": HEAD})
    meeting = p.schedule_meeting({"kind": "hamlet", "village_id": VILLAGE, "hamlet_id": HAMLET,
                                  "title": "垸组会", "agenda": [motion["id"]], "created_by": HEAD,
                                  "attendance": [{"resident_id": r} for r in WUJIAYUAN[:6]]})
    assert meeting["members"] == 7     # 伍家垸's residents on the roster
    p.record_vote(meeting["id"], motion["id"], {"tally": {"for": 5, "against": 0, "abstain": 1},
                                                "recorded_by": HEAD})
    motion = p.get_motion(motion["id"])
    assert (motion["state"], motion["matter"]) == ("approved", "ordinary")
    return motion


def test_funding_feeds_back_and_a_completed_motion_is_reviewed(container_factory, service_config):
    topology.apply(service_config["AMQP_URI"], SERVICES)
    rules_clock = FixedClock(datetime.now(timezone.utc))
    for cls in SERVICES:
        config = {**service_config, "RULES_SCHEDULE_INTERVAL": 0.1, "RULES_WATCH_INTERVAL": 0}
        container = container_factory(cls, config)
        if cls is RulesService:
            next(d for d in container.dependencies if isinstance(d, Clock)).clock = rules_clock
        container.start()

    with ClusterRpcProxy(service_config, timeout=30) as rpc:
        p, c, s = rpc.proposals, rpc.contributions, rpc.scoring
        c.import_roster({"filename": ROSTER.name, "content": ROSTER.read_text(encoding="utf-8")})

        def heard():   # proposals keeps its registers from the roster's household.registered
            try:
                return p.body_members({"kind": "hamlet", "village_id": VILLAGE, "hamlet_id": HAMLET})["members"] == 7
            except ValidationFailed:
                return False
        until(heard, timeout=60, message="proposals to hear the roster")
        motion = _approved_motion(p)
        p.transition_motion(motion["id"], {"action": "request_funding", "by": HEAD, "why": "grant + crowd"})

        # -- 出资: the project that carries the motion out is funded -> the motion is funded ----------
        project = c.register_project({
            "project_id": "wgd-1-lamps", "name": "塘边路灯", "scope": "hamlet", "village_id": VILLAGE,
            "hamlet_id": HAMLET, "budget": "6000", "mix": {"grant": "3000", "sponsor": "1000", "crowd": "2000"},
            "motion_id": motion["id"]})
        assert project["motion_id"] == motion["id"]
        for resident, amount, source in (("wgd-1-01-1", "1000", "sponsor"), ("wgd-1-02-1", "2000", "crowd")):
            c.record_contribution({"kind": "money", "resident_id": resident, "amount": amount, "source": source,
                                   "project_id": project["project_id"]})
        assert p.get_motion(motion["id"])["state"] == "funding_requested"  # not yet: the grant is missing
        # the grant comes only through a funding round: ranked by the rules service, released by the mix rule
        c.open_funding_round({"round_id": "r-lamps", "name": "镇 共同缔造", "level": "county", "area_id": "county",
                              "budget": "3000"})
        c.submit_funding_request("r-lamps", {"project_id": project["project_id"], "amount": "3000"})
        c.close_funding_round("r-lamps", {})
        funded = until(lambda: (m := p.get_motion(motion["id"]))["state"] == "funded" and m,
                       timeout=30, message="proposals to fund the motion on project.funded")
        step = funded["steps"][-1]
        assert (step["action"], step["from_state"], step["by"]) == ("fund", "funding_requested", "contributions")
        assert "wgd-1-lamps" in step["why"]

        # -- 完工 -> 半年评议 scheduled by the rules service -------------------------------------------
        p.transition_motion(motion["id"], {"action": "start", "by": HEAD})
        assert rpc.rules.list_schedules() == []  # funded or started: nothing to review yet
        p.transition_motion(motion["id"], {"action": "complete", "by": HEAD, "why": "lamps lit"})
        [schedule] = until(lambda: rpc.rules.list_schedules("active"), timeout=30,
                           message="the rules service to schedule the review on motion.transitioned")
        assert schedule["subject"] == f"motion/{motion['id']}"
        assert schedule["facts"]["kind"] == "small"  # an ordinary matter: reviewed by the hamlet
        assert s.list_reviews({"project_id": project["project_id"]}) == []  # not due yet

        book = PolicyBook(rules_dir())
        kinds = book.params("reviews")["params"]["kinds"]
        assert kinds["small"]["start_on"] == "completed"

        # -- the rules service's clock passes the due date: review.due -> scoring opens the review ----
        rules_clock.at = datetime.fromisoformat(schedule["next_check_at"])
        [review] = until(lambda: s.list_reviews({"project_id": project["project_id"]}), timeout=30,
                         message="scoring to open the review on review.due")
        assert (review["status"], review["due"], review["kind"], review["opened_by"]) == ("open", "due", "small", "rules")
        assert review["reviewers"] == kinds["small"]["reviewers"]
        assert review["title"] == "伍家垸 塘边路灯" and review["village_id"] == VILLAGE and review["hamlet_id"] == HAMLET
        assert review["rule"]["id"] == "reviews.due"

        # -- nobody reviewed it within the grace days: review.overdue is escalated and published -----
        rules_clock.at = datetime.fromisoformat(until(
            lambda: rpc.rules.list_schedules("active"), message="the schedule to wait for overdue")[0]["next_check_at"])
        until(lambda: s.list_reviews({"project_id": project["project_id"]})[0]["due"] == "overdue", timeout=30,
              message="scoring to mark the review overdue")
        notices = until(lambda: [n for n in rpc.notifications.feed({"limit": 100})
                                 if n["cause_type"] == "review.overdue"], timeout=30,
                        message="notifications to publish review.overdue")
        assert notices[0]["subject"] == f"motion/{motion['id']}"
        assert notices[0]["data"]["escalate_to"] == kinds["small"]["escalate_to"]
        # one review for the motion in its half year, whatever fired
        assert len(s.list_reviews({"project_id": project["project_id"]})) == 1

        # -- 大家评: the hamlet gives its verdict -> review.completed -> the motion is reviewed ------
        # the hamlet meeting is held; the proposals service finds its quorum by the quorum rule
        assert review["reviewers"] == ["hamlet_meeting"] and review["motion_id"] == motion["id"]
        meeting = p.schedule_meeting({"kind": "hamlet", "village_id": VILLAGE, "hamlet_id": HAMLET,
                                      "title": "垸组评议", "agenda": [], "created_by": HEAD,
                                      "attendance": [{"resident_id": r} for r in WUJIAYUAN[:6]]})
        done = s.record_verdict(review["review_id"], {"meeting_id": meeting["id"], "satisfied": 5,
                                                      "basically_satisfied": 1, "unsatisfied": 0, "recorded_by": HEAD})
        assert (done["status"], done["result"]) == ("completed", "satisfied")
        reviewed = until(lambda: (m := p.get_motion(motion["id"]))["state"] == "reviewed" and m,
                         timeout=30, message="proposals to mark the motion reviewed on review.completed")
        assert (reviewed["steps"][-1]["action"], reviewed["steps"][-1]["by"]) == ("review", "scoring")
        assert review["review_id"] in reviewed["steps"][-1]["why"]
