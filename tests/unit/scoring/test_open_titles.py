"""Open lists (issue 14) and the award period (issue 16): which titles exist, their labels, which
need a nominee and how often they are awarded come from the *published* titles.yaml, never from
scoring's code. A new title published by the policy staff is awarded at the next quarter close;
a decision naming a title scoring cannot act on is parked with the reason, never dropped."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.kernel import migrations
from services.kernel.db import make_engine, session_factory
from services.kernel.errors import ValidationFailed
from services.rules import publishing
from services.rules.dependencies import folder_texts
from services.rules.engine import PolicyBook, rules_dir
from services.scoring import ledger, parked, ratings
from tests.support.scoring_policy import FakePolicy

from .conftest import NOW
from .helpers import emitted

PUBLISHED_AT = datetime(2025, 4, 1, 9, 0, tzinfo=timezone.utc)
NEW_TITLE = ("    # 新设称号：热心公益户\n"
             "    public_spirited_household: {label: 热心公益户, min_stars: 6, min_honour_points: 20, requires_nomination: false}\n")


@pytest.fixture
def published(tmp_path):
    """The rules service's history (a real rules database), first filled from rules/ as on a fresh start."""
    url = f"sqlite:///{tmp_path}/rules.sqlite"
    migrations.upgrade("rules", url)
    engine = make_engine(url)
    maker = session_factory(engine)
    with maker() as session:
        publishing.publish_initial(session, folder_texts(rules_dir()), PUBLISHED_AT)
        session.commit()
    book = PolicyBook(source=publishing.PublishedSource(maker))
    yield maker, book
    book.close()
    engine.dispose()


def _draft():
    folder = rules_dir()
    return (folder_texts(folder),
            {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "tests").glob("*.yaml"))})


NEW_TITLE_CASES = """policy: titles
cases:
  - name: 七颗星、荣誉积分 25，评为热心公益户
    given: {honour_points: 25, rating_stars: 7}
    expect: {outcome: titles, rule: titles.earned, values: {titles: [public_spirited_household]}}
  - name: 十颗星、荣誉积分 100，也是十星级文明户
    given: {honour_points: 100, rating_stars: 10}
    expect: {values: {titles: {any_order: [ten_star_household, public_spirited_household]}}}
  - name: 五颗星不够
    given: {honour_points: 500, rating_stars: 5}
    expect: {rule: titles.none, values: {titles: []}}
"""


def _publish_titles(maker, book, edit, message, case_text=None):
    files, cases = _draft()
    if case_text is not None:
        cases = {**cases, "titles.yaml": case_text}
    text = files["titles.yaml"]
    version = int(text.split("\nversion: ", 1)[1].split("\n", 1)[0])
    text = edit(text).replace(f"\nversion: {version}\n", f"\nversion: {version + 1}\n", 1)
    with maker() as session:
        result = publishing.publish(session, {**files, "titles.yaml": text}, cases, message=message,
                                    author="policy-officer-li", now=PUBLISHED_AT)
        session.commit()
    book.reload()
    return result


def _rate(session, policy, household, stars, quarter="2025Q2", nominations=()):
    return ratings.rate(session, policy, {"household_id": household, "quarter": quarter, "stars": stars,
                                          "nominations": list(nominations), "rated_by": "board"}, NOW)


def _honour(session, policy, household, points, quarter="2025Q2"):
    entry = ledger.record(session, policy, household_id=household, deed_code="filial_piety", source="manual",
                          reason="孝老爱亲", now=NOW, quarter=quarter)
    entry.points = points
    ledger.approve(session, [entry.entry_id], "cadre", NOW)


def test_a_title_added_to_the_published_titles_file_is_awarded_at_the_next_close(roster, published):
    maker, book = published
    _honour(roster, book, "h1", 25)
    _rate(roster, book, "h1", 7)
    _honour(roster, book, "h2", 25)
    _rate(roster, book, "h2", 7, quarter="2025Q3")

    # Before: nobody with 7 stars earns anything.
    first = ratings.close_quarter(roster, book, "wuguidun", "2025Q2", "town", NOW)
    assert first["titles"] == [] and first["parked"] == []

    add = lambda t: t.replace("    good_daughter_in_law:", NEW_TITLE + "    good_daughter_in_law:")  # noqa: E731
    # the staff's own cases still say "nine stars earn nothing": the publish gate refuses
    with pytest.raises(ValidationFailed) as refused:
        _publish_titles(maker, book, add, "新设热心公益户称号")
    assert refused.value.detail["failures"] and refused.value.detail["failures"][0]["file"] == "tests/titles.yaml"
    assert ratings.catalogue(book)["titles"].keys() == {"ten_star_household", "good_mother_in_law", "good_daughter_in_law"}
    # with the cases brought up to date it is published, and nothing in scoring changes
    result = _publish_titles(maker, book, add, "新设热心公益户称号", NEW_TITLE_CASES)
    assert [f["area"] for f in result["files"]] == ["titles"]

    closed = ratings.close_quarter(roster, book, "wuguidun", "2025Q3", "town", NOW)
    assert [(t.household_id, t.code, t.period) for t in closed["titles"]] == [
        ("h2", "public_spirited_household", "2025Q3")]
    [event] = emitted(roster, "title.awarded")
    assert (event["code"], event["label"]) == ("public_spirited_household", "热心公益户")
    assert event["rule"]["version"] == result["files"][0]["version"]


def test_award_every_year_is_a_rule_parameter(roster, published):
    maker, book = published
    assert ratings.catalogue(book)["award_every"] == "quarter"   # the seeds: 每季度一评比
    _publish_titles(maker, book, lambda t: t.replace("award_every: quarter", "award_every: year"),
                    "称号改为每年评一次")
    ten_star = book.params("titles")["params"]["titles"]["ten_star_household"]
    for quarter in ("2025Q3", "2025Q4"):
        _honour(roster, book, "h1", ten_star["min_honour_points"], quarter)
        _rate(roster, book, "h1", ten_star["min_stars"], quarter=quarter)
    q3 = ratings.close_quarter(roster, book, "wuguidun", "2025Q3", "town", NOW)
    assert (q3["period"], q3["titles"], q3["award_every"]) == (None, [], "year")
    q4 = ratings.close_quarter(roster, book, "wuguidun", "2025Q4", "town", NOW)
    assert [(t.code, t.quarter, t.period) for t in q4["titles"]] == [("ten_star_household", "2025Q4", "2025")]


@pytest.mark.parametrize("award_every, closes, awarded", [
    ("quarter", ["2025Q1", "2025Q2"], {"2025Q1": "2025Q1", "2025Q2": "2025Q2"}),
    ("half_year", ["2025Q1", "2025Q2", "2025Q3", "2025Q4"], {"2025Q2": "2025H1", "2025Q4": "2025H2"}),
    ("year", ["2025Q1", "2025Q2", "2025Q3", "2025Q4"], {"2025Q4": "2025"}),
])
def test_which_closes_award_titles(roster, award_every, closes, awarded):
    policy = FakePolicy(award_every=award_every)
    got = {}
    for quarter in closes:
        _rate(roster, policy, "h1", 10, quarter=quarter)
        ledger.approve(roster, [e.entry_id for e in ledger.list_entries(roster, household_id="h1", status="pending")],
                       "cadre", NOW)
        result = ratings.close_quarter(roster, policy, "wuguidun", quarter, "town", NOW)
        if result["titles"]:
            got[quarter] = result["titles"][0].period
    assert got == awarded


def test_a_title_scoring_does_not_know_is_parked_with_the_reason(roster):
    policy = FakePolicy(titles={"good_mother_in_law": {"label": "好婆婆", "requires_nomination": True},
                                "good_daughter_in_law": {"label": "好媳妇", "requires_nomination": True}})
    # the decision names ten_star_household, which the titles catalogue scoring read does not list
    _rate(roster, policy, "h1", 10)
    ledger.approve(roster, [e.entry_id for e in ledger.list_entries(roster, household_id="h1")], "cadre", NOW)
    closed = ratings.close_quarter(roster, policy, "wuguidun", "2025Q2", "town", NOW)
    assert closed["titles"] == []
    [row] = closed["parked"]
    assert (row.area, row.code, row.household_id, row.period) == ("titles", "ten_star_household", "h1", "2025Q2")
    assert "不在 titles.yaml" in row.reason and row.decision["rule"]["id"] == "titles.thresholds"
    assert [p.parked_id for p in parked.list_parked(roster, area="titles")] == [row.parked_id]


def test_a_nomination_for_a_title_without_nominees_is_refused_with_the_valid_ones(roster):
    with pytest.raises(ValidationFailed) as refused:
        _rate(roster, FakePolicy(), "h1", 8, nominations=[{"title": "ten_star_household", "resident_id": "r1"}])
    [message] = refused.value.detail["fields"]["nominations.0.title"]
    assert message.startswith("'ten_star_household' 不是需要提名的称号")
    assert "good_mother_in_law（好婆婆）" in message and "good_daughter_in_law（好媳妇）" in message
