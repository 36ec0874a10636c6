"""A hamlet's quarterly rating sheet: all rows or none, one rule decision, one event."""
import base64

import pytest

from services.kernel import batches
from services.kernel.errors import Conflict, ValidationFailed
from services.scoring import ledger, ratings, schemas
from services.scoring.models import Rating

from .conftest import NOW
from .helpers import emitted


def sheet(rows, hamlet="g3", quarter="2025Q2"):
    return {"hamlet_id": hamlet, "quarter": quarter, "rated_by": "board",
            "ratings": batches.load_rows(schemas.SheetRowIn(), rows, "ratings")}


def test_a_sheet_rates_every_row_with_one_decision_and_one_event(roster, policy):
    result = ratings.rate_sheet(roster, policy, sheet([
        {"household_id": "h-hub", "stars": 10}, {"household_id": "h1", "stars": 8},
        {"household_id": "h2", "stars": 0}]), NOW)
    assert [(r["household_id"], r["points"]) for r in result["ratings"]] == [("h-hub", 30), ("h1", 24), ("h2", 0)]
    assert [c for c in policy.calls if c[0] == "decide"] == [("decide", "civility_points", {"deed_code": "quarterly_rating"})]
    entry = ledger.get(roster, result["ratings"][1]["entry_id"])
    assert (entry.source, entry.points, entry.status, entry.quarter, entry.source_ref) == (
        "rating", 24, "pending", "2025Q2", result["ratings"][1]["rating_id"])
    assert result["ratings"][2]["entry_id"] is None
    [event] = emitted(roster, "civility.sheet_rated")
    assert event["village_id"] == "wuguidun" and len(event["ratings"]) == 3
    assert event["rule"]["id"] and emitted(roster, "civility.rated") == []
    # the household is rated for the quarter, whichever path rated it
    with pytest.raises(Conflict):
        ratings.rate(roster, policy, {"household_id": "h1", "quarter": "2025Q2", "stars": 3,
                                      "nominations": [], "rated_by": "board"}, NOW)


def test_a_bad_row_refuses_the_whole_sheet_naming_row_and_field(roster, policy):
    ratings.rate(roster, policy, {"household_id": "h2", "quarter": "2025Q2", "stars": 3,
                                  "nominations": [], "rated_by": "board"}, NOW)
    with pytest.raises(ValidationFailed) as refused:
        ratings.rate_sheet(roster, policy, sheet([
            {"household_id": "h1", "stars": 8}, {"household_id": "h3", "stars": 5},
            {"household_id": "h1", "stars": 2}, {"household_id": "h2", "stars": 1},
            {"household_id": "nobody", "stars": 1}]), NOW)
    fields = refused.value.detail["fields"]
    assert sorted(fields) == ["ratings.1.household_id", "ratings.2.household_id", "ratings.3.household_id",
                              "ratings.4.household_id"]
    assert fields["ratings.1.household_id"][0].startswith("第2行 household_id：h3 不是本垸组")
    assert "本季度（2025Q2）已评" in fields["ratings.3.household_id"][0]
    assert roster.query(Rating).filter(Rating.household_id == "h1").count() == 0  # nothing written


def test_a_row_failing_its_schema_is_named_chinese_first():
    with pytest.raises(ValidationFailed) as refused:
        batches.load_rows(schemas.SheetRowIn(), [{"household_id": "h1", "stars": 11}, {"stars": 2}], "ratings")
    fields = refused.value.detail["fields"]
    assert fields["ratings.0.stars"][0].startswith("第1行 stars：须不小于 0 且不大于 10")
    assert fields["ratings.1.household_id"][0].startswith("第2行 household_id：必填字段")


def test_a_closed_quarter_takes_no_sheet(roster, policy):
    ratings.close_quarter(roster, policy, "other", "2025Q2", "town", NOW)   # another village's: still open here
    ratings.rate_sheet(roster, policy, sheet([{"household_id": "h2", "stars": 8}]), NOW)
    ratings.close_quarter(roster, policy, "wuguidun", "2025Q2", "town", NOW)
    with pytest.raises(Conflict) as closed:
        ratings.rate_sheet(roster, policy, sheet([{"household_id": "h1", "stars": 8}]), NOW)
    assert closed.value.detail["village_id"] == "wuguidun"


def test_an_uploaded_csv_sheet_names_its_file_rows():
    text = "户号,星级,备注\nh1,8,\n,,\nh2,x,\n"
    rows, lines = batches.uploaded_rows("g3.csv", base64.b64encode(text.encode()).decode(), schemas.SHEET_COLUMNS)
    assert rows == [{"household_id": "h1", "stars": 8}, {"household_id": "h2", "stars": "x"}]
    assert lines == [2, 4]
    with pytest.raises(ValidationFailed) as refused:
        batches.load_rows(schemas.SheetRowIn(), rows, "ratings", lines)
    assert list(refused.value.detail["fields"]) == ["ratings.1.stars"]
    assert refused.value.detail["fields"]["ratings.1.stars"][0].startswith("第4行 stars：须为整数")
