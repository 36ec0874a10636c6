"""Issue 16's policy choices are rule parameters: each changes the decisions once policy staff
publish a new version, with no code change (the rules service decides by published versions)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from services.kernel import migrations
from services.kernel.db import make_engine, session_factory
from services.rules import publishing
from services.rules.dependencies import folder_texts
from services.rules.engine import PolicyBook

from .helpers import copy_rules

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
ROAD = {"scope": "village", "kind": "public_works", "estimated_budget": 8000}
NEIGHBOUR = {"check": "eligibility", "project_scope": "hamlet", "project_hamlet_id": "g3",
             "contributor_hamlet_id": "yw"}
ROUND = {"round_id": "r1", "budget": "1000", "requests": [
    {"request_id": "busy", "hamlet_id": "h1", "amount": "1000", "participation_rate": 0.6, "urgency": 0.1,
     "requested_at": "2026-05-01T00:00:00+00:00"},
    {"request_id": "urgent", "hamlet_id": "h2", "amount": "1000", "participation_rate": 0.5, "urgency": 0.9,
     "requested_at": "2026-05-01T00:00:00+00:00"}]}
SHED = {"request": "register", "structure_type": "illegal_building"}


@pytest.fixture
def published(tmp_path):
    """The shipped rules published as the initial versions; a book reading what is published."""
    folder = copy_rules(tmp_path)
    url = f"sqlite:///{tmp_path}/rules.sqlite"
    migrations.upgrade("rules", url)
    engine = make_engine(url)
    sessionmaker = session_factory(engine)
    files = folder_texts(folder)
    cases = {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "tests").glob("*.yaml"))}
    with sessionmaker() as session:
        publishing.publish_initial(session, files, NOW)
        session.commit()
    book = PolicyBook(source=publishing.PublishedSource(sessionmaker))

    def publish(area: str, old: str, new: str, cases_edit=None):
        text = files[f"{area}.yaml"]
        assert old in text, old
        version = int(re.search(r"^version: (\d+)$", text, re.M).group(1))
        files[f"{area}.yaml"] = text.replace(old, new, 1).replace(f"version: {version}\n", f"version: {version + 1}\n", 1)
        if cases_edit:
            cases[f"{area}.yaml"] = cases_edit(cases[f"{area}.yaml"])
        with sessionmaker() as session:
            publishing.publish(session, dict(files), dict(cases), message="issue 16", author="policy-li", now=NOW)
            session.commit()
        book.reload()

    yield book, publish
    engine.dispose()


def _drop_cases(*names):
    """The staff's cases without the ones the new choice deliberately changes."""
    def edit(text):
        for name in names:
            text = re.sub(rf"  - name: {re.escape(name)}\n(    .*\n|      .*\n|        .*\n)*", "", text)
        return text
    return edit


def test_major_kinds_after_a_publish(published):
    book, publish = published
    assert book.decide("major_matter", ROAD)["outcome"] == "major"      # public works: major, any budget
    publish("major_matter", "major_kind_min_budget_yuan: 0", "major_kind_min_budget_yuan: 10000",
            _drop_cases("一切重大事务经过党员会、代表会：全村修路属公益事业建设，预算再小也是重大事务",
                        "拆后土地怎么用是重大事务，没有预算也一样"))
    decision = book.decide("major_matter", ROAD)
    assert decision["outcome"] == "ordinary" and decision["rule"]["version"] == 3


def test_labour_from_another_hamlet_after_a_publish(published):
    book, publish = published
    assert book.decide("labour", NEIGHBOUR)["outcome"] == "allowed"
    publish("labour", "other_hamlet: allow", "other_hamlet: flag", _drop_cases("邻组帮忙默认照记，计入项目所在垸组"))
    assert book.decide("labour", NEIGHBOUR)["outcome"] == "flagged"
    publish("labour", "other_hamlet: flag", "other_hamlet: refuse")
    assert book.decide("labour", NEIGHBOUR)["rule"]["id"] == "labour.other_hamlet_refused"


def test_urgency_weight_after_a_publish(published):
    book, publish = published
    funded = lambda: [r["request_id"] for r in book.decide("funding", ROUND)["values"]["ranking"] if r["funded"]]  # noqa: E731
    assert funded() == ["busy"]
    publish("funding", "urgency_weight: 0.0", "urgency_weight: 0.5",
            _drop_cases("紧迫度不计权重时（urgency_weight 为 0），只看参与率"))
    assert funded() == ["urgent"]


def test_what_must_be_removed_after_a_publish(published):
    book, publish = published
    assert book.decide("demolition", SHED)["values"]["mandatory"] is False
    publish("demolition", "must_remove: [pigsty, cowshed, dry_toilet]",
            "must_remove: [pigsty, cowshed, dry_toilet, illegal_building]", _drop_cases("拆违建登记，空地同样公用"))
    assert book.decide("demolition", SHED)["values"]["mandatory"] is True
