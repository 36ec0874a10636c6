"""村务公开栏: the board's read model projects public events per village, with names, never ids."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.kernel import db
from services.kernel.errors import Conflict, NotFound, ValidationFailed
from services.notifications import board, publicity, sharing
from services.notifications.models import Base, BoardItem, Notice
from tests.support.board_scenario import PRIVATE, PUBLICITY_PARAMS, T0, VILLAGE, ev, village_events
from tests.support.db import session_fixtures

engine, session = session_fixtures(Base.metadata)
NOW = T0 + timedelta(hours=3)


def feed_all(session, evs, now=NOW):
    for e in evs:
        sharing.share(session, e, now)
        for item in board.project(session, e, now):
            publicity.open_for(session, item, PUBLICITY_PARAMS, now)
    session.commit()


@pytest.fixture
def village(session):
    feed_all(session, village_events())
    return session


def test_internal_events_get_no_notice_and_the_feed_shows_only_public_ones(village):
    types = {n.cause_type for n in village.scalars(select(Notice))}
    assert "household.registered" not in types          # internal: no notice at all
    assert {"points.recorded", "report.filed"} <= types   # kept for their own audience ...
    feed_types = {n.cause_type for n in sharing.feed(village, limit=500)}
    assert feed_types and not feed_types & {"points.recorded", "report.filed", "party_member.assessed"}
    assert "motion.decided" in feed_types                 # ... but only public ones are in the feed


def test_headlines_are_chinese_with_names_never_ids(village):
    lines = [i.headline for i in village.scalars(select(BoardItem))]
    assert "「毕昇老街人居环境整治」经党员大会、村民代表会议表决通过（重大事务）" in lines
    assert "刘桂兰户获评「好婆婆」（2026Q2）" in lines
    assert not [line for line in lines if "wgd-" in line or "v-wgd" in line]


def test_the_village_board_has_each_section(village):
    view = board.view(village, VILLAGE, now=NOW)
    assert view["village"]["name"] == "伍桂墩村"
    assert [h["name"] for h in view["hamlets"]] == ["伍家垸", "桂花垸", "老街组"]
    decision = view["decisions"][0]
    assert decision["title"] == "毕昇老街人居环境整治" and decision["outcome"] == "通过"
    assert [b["body"] for b in decision["bodies"]] == ["党员大会", "村民代表会议"]
    assert decision["bodies"][1]["vote"] == "村民代表会议应到 30 人、实到 22 人，赞成 19、反对 2、弃权 1，通过"
    assert decision["advisory"][0].startswith("垸组会应到 52 人、实到 36 人")
    assert decision["publicity"]["status"] == "in_notice"
    queue = view["funding"][0]
    assert [(r["rank"], r["hamlet"], r["rate_text"]) for r in queue["rows"]] == [(1, "伍家垸", "75%"), (2, "桂花垸", "50%")]
    assert queue["rows"][0]["reason"].startswith("第1名：参与率 75%")
    assert queue["override"] == {"by": "镇长王明", "why": "伍家垸先行整治排水，避免汛期内涝"}
    account = view["accounts"][0]
    assert account["budget"] == "350,000.00 元" and account["raised"] == "257,000.00 元"
    assert [s["raised"] for s in account["sources"]] == ["250,000.00 元", "5,000.00 元", "2,000.00 元"]
    roll = view["contributions"]["honour_roll"]
    assert [(r["name"], r["amount"]) for r in roll] == [("村干部和党员", "20,000.00 元"), ("伍建国", "5,000.00 元"),
                                                        ("伍长林", "2,000.00 元")]  # the grant is no donor
    street = next(h for h in view["contributions"]["hamlets"] if h["hamlet"] == "老街组")
    assert (street["item_count"], street["land_m2"]) == (15, "120")
    assert view["honours"]["titles"][0]["household"] == "刘桂兰" and not view["honours"]["titles"][0]["final"]
    assert view["echo"][0]["answer"].startswith("已并入垸组提议")
    assert view["reviews"][0]["project"] == "毕昇老街人居环境整治"


def test_nothing_private_is_in_the_board_data(village):
    text = json.dumps(board.view(village, VILLAGE, now=NOW), ensure_ascii=False)
    assert [p for p in PRIVATE if p in text] == []
    assert "party_member" not in text


def test_news_pages_and_filters_by_shanghai_day(village):
    first = board.view(village, VILLAGE, per_page=3, now=NOW)["news"]
    assert first["pages"] > 1 and len(first["items"]) == 3
    second = board.view(village, VILLAGE, page=2, per_page=3, now=NOW)["news"]
    assert not {i["headline"] for i in first["items"]} & {i["headline"] for i in second["items"]}
    assert board.view(village, VILLAGE, date_from="2026-06-06", now=NOW)["news"]["total"] == 0
    assert board.view(village, VILLAGE, date_from="2026-06-05", date_to="2026-06-05", now=NOW)["news"]["total"] == first["total"]
    with pytest.raises(ValidationFailed):
        board.view(village, VILLAGE, date_from="June", now=NOW)


def test_a_hamlet_board_and_an_unknown_village(village):
    view = board.view(village, VILLAGE, "wgd-3", now=NOW)
    assert view["hamlet"]["name"] == "老街组"
    with pytest.raises(NotFound):
        board.view(village, "v-nowhere", now=NOW)
    with pytest.raises(NotFound):
        board.view(village, VILLAGE, "lyc-yw", now=NOW)   # a hamlet of another village


def test_an_event_before_its_household_is_known_is_placed_once_the_roster_arrives(session):
    title = ev("title.awarded", {"title_id": "t9", "household_id": "wgd-9-01", "code": "ten_star_household",
                                 "quarter": "2026Q2", "honour_points": 200, "rating_stars": 10,
                                 "rule": {"id": "titles.ten_star", "version": 1}})
    feed_all(session, [title])
    assert session.scalars(select(BoardItem)).one().village_id is None
    feed_all(session, [ev("household.registered", {
        "household_id": "wgd-9-01", "hamlet_id": "wgd-9", "village_id": VILLAGE, "town_id": "t",
        "head_name": "伍新民", "party_member": False, "hub_household_id": None,
        "village_name": "伍桂墩村", "hamlet_name": "新垸"})])
    item = session.scalars(select(BoardItem)).one()
    assert (item.village_id, item.headline) == (VILLAGE, "伍新民户获评「十星级文明户」（2026Q2）")
    assert publicity.listing(session, VILLAGE, NOW)[0]["kind"] == "title"


def test_a_project_s_money_and_review_count_whatever_order_the_events_came_in(session):
    story = village_events()
    registered = [e for e in story if e.name == "project.registered"]
    early = [e for e in story if e.name in ("contribution.recorded", "review.completed")]
    places = [e for e in story if e.name == "household.registered"]
    feed_all(session, places + early + registered)
    view = board.view(session, VILLAGE, now=NOW)
    assert view["accounts"][0]["raised"] == "257,000.00 元"
    assert view["reviews"][0]["project"] == "毕昇老街人居环境整治"


def test_adopted_review_opinions_stay_on_the_board_until_carried_out(village):
    """合理意见，积极采纳，全力落实: an adopted opinion is an open task (owner, deadline) until done."""
    base = {"review_id": "rv-work", "project_id": None, "village_id": VILLAGE, "hamlet_id": None,
            "title": "2026 上半年村级重要工作", "half_year": "2026H1"}
    feed_all(village, [
        ev("opinion.answered", {**base, "opinion_id": "op-lamps", "text": "老街路灯太少", "status": "adopted",
                                "answer": "加装 6 盏路灯", "owner": "伍建国", "due_on": "2026-07-31"}, minutes=80),
        ev("opinion.answered", {**base, "opinion_id": "op-ditch", "text": "水渠要清淤", "status": "adopted",
                                "answer": "冬修时清淤", "owner": "毕文斌", "due_on": "2026-12-15"}, minutes=81),
        ev("opinion.answered", {**base, "opinion_id": "op-name", "text": "改村名", "status": "answered",
                                "answer": "村名由民政部门定"}, minutes=82)])
    tasks = board.view(village, VILLAGE, now=NOW)["tasks"]
    assert [(t["opinion"], t["owner"], t["due_on"]) for t in tasks] == [
        ("老街路灯太少", "伍建国", "2026-07-31"), ("水渠要清淤", "毕文斌", "2026-12-15")]
    feed_all(village, [ev("opinion.carried_out", {**base, "opinion_id": "op-lamps", "text": "老街路灯太少",
                                                  "status": "done", "answer": "加装 6 盏路灯", "owner": "伍建国",
                                                  "due_on": "2026-07-31", "note": "6 盏路灯已亮",
                                                  "done_at": "2026-07-20T10:00:00+08:00", "late": False},
                          minutes=90)])
    view = board.view(village, VILLAGE, now=NOW)
    assert [t["opinion"] for t in view["tasks"]] == ["水渠要清淤"]
    lines = [r["headline"] for r in view["reviews"]]
    assert "评议意见「老街路灯太少」已落实：6 盏路灯已亮" in lines
    assert "评议意见「老街路灯太少」已采纳：加装 6 盏路灯，责任人 伍建国，2026-07-31 前落实" in lines


def test_a_contribution_batch_leaves_the_board_rows_its_entries_would_one_by_one(tmp_path):
    """``contribution.batch_recorded`` (read in a few queries, written in one INSERT) makes each
    entry's row as its own ``contribution.recorded`` would: village, hamlet, key, names in headlines."""
    story = village_events()
    places = [e for e in story if e.name in ("household.registered", "project.registered")]
    singles = [e for e in story if e.name == "contribution.recorded"]
    # and one of an unknown household (no name, no village yet) and one of a household without a project
    extra = {"entry_id": "e9", "kind": "money", "household_id": "nobody-1", "resident_id": None, "hamlet_id": "wgd-9",
             "project_id": None, "hours": None, "amount": "10.00", "items": None, "reversal_of": None, "source": "crowd"}
    plain = {**singles[1].envelope["data"], "entry_id": "e10", "project_id": None}
    entries = [e.envelope["data"] for e in singles] + [extra, plain]
    singles += [ev("contribution.recorded", extra, minutes=47), ev("contribution.recorded", plain, minutes=48)]
    batch = ev("contribution.batch_recorded", {"batch_id": "b1", "recorded_by": "wgd-secretary", "entries": entries},
               minutes=47)

    def board_rows(name, evs):
        engine = db.make_engine(f"sqlite:///{tmp_path}/{name}.sqlite")
        Base.metadata.create_all(engine)
        db.create_all(engine)
        with db.session_factory(engine)() as s:
            feed_all(s, places + evs)
            return sorted(((i.key, i.village_id, i.hamlet_id, i.household_id, i.project_id, i.section, i.cause_type,
                            i.headline, json.dumps(i.facts, sort_keys=True))
                           for i in s.scalars(select(BoardItem).where(BoardItem.section == "contribution"))), key=repr)

    one_by_one = board_rows("single", singles)
    assert board_rows("batch", [batch]) == one_by_one
    assert len(one_by_one) == 7 and any(row[1] is None for row in one_by_one)
    assert any("伍长林" in row[7] for row in one_by_one)
