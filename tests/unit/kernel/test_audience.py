"""Every event type says who may read it; only public ones reach the public board 公开栏."""
import pytest
from marshmallow import Schema

from services.kernel import catalogue, events

# What must never be public (issue 12): pending points and their reasons, complainants, party
# members' assessment grades, household heads' party membership, plumbing between services.
NEVER_PUBLIC = ["points.recorded", "points.decided", "report.filed", "party_member.assessed",
                "household.registered", "participation.changed", "funding_round.closed",
                "notice.published", "objection.lodged"]
# 村务公开: what the paper board shows.
PUBLIC = ["motion.decided", "vote.recorded", "funding.allocated", "funding_round.allocated",
          "project.registered", "project.funded", "contribution.recorded", "donation.recorded",
          "title.awarded", "beautiful_hamlet.decided", "suggestion.answered", "review.completed",
          "publicity.opened", "objection.answered", "publicity.finalised"]


@pytest.mark.parametrize("event_type", catalogue.all_types(), ids=lambda t: t.name)
def test_every_event_type_declares_its_audience(event_type):
    assert event_type.audience in events.AUDIENCES, (
        f"{event_type.name} declares no audience: add audience=\"public\"|\"village\"|\"household\"|"
        f"\"internal\" to its declare() in services/kernel/catalogue/")


@pytest.mark.parametrize("name", NEVER_PUBLIC)
def test_private_matters_are_not_public(name):
    assert catalogue.get(name).audience != "public"
    assert name not in events.public_names()


@pytest.mark.parametrize("name", PUBLIC)
def test_village_affairs_are_public(name):
    assert catalogue.get(name).audience == "public"


def test_an_unknown_audience_is_refused_when_declared():
    with pytest.raises(ValueError, match="audience 'everyone'"):
        events.declare("test.audience_typo", "tests", Schema, audience="everyone")


def test_an_undeclared_type_counts_as_internal():
    assert events.audience_of("no.such.event") == "internal"
