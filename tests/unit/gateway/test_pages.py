"""The board pages rendered from the notifications read model (SQLite), without nameko or a broker."""
import re
from datetime import timedelta

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway import pages
from services.kernel.errors import NotFound
from services.notifications import board
from services.notifications.models import Base
from tests.support.board_scenario import PRIVATE, VILLAGE, village_events
from tests.support.db import session_fixtures
from tests.unit.notifications.test_board import NOW, feed_all

engine, session = session_fixtures(Base.metadata)


@pytest.fixture
def call(session):
    feed_all(session, village_events())

    def call(service, method, **kw):
        if (service, method) == ("notifications", "village_board"):
            q = kw["query"]
            return board.view(session, kw["village_id"], q.get("hamlet_id"), page=int(q.get("page", 1)),
                              date_from=q.get("from"), date_to=q.get("to"), now=NOW)
        if (service, method) == ("notifications", "villages"):
            return board.villages(session)
        if (service, method) == ("scoring", "rankings"):
            level = kw["query"]["level"]
            rows = [{"rank": 1, "household_id": "wgd-1-04", "head_name": "刘桂兰", "hamlet_id": "wgd-1", "points": 42}]
            if level == "hamlet":
                rows = [{"rank": 1, "hamlet_id": "wgd-1", "households": 3, "points": 60, "points_per_household": 20.0}]
            return {"rows": rows}
        raise AssertionError((service, method))
    return call


def get(call, path, **args):
    request = Request(EnvironBuilder(path="/v/" + path, query_string=args).get_environ())
    return pages.serve(request, path, call)


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|svg)[\s\S]*?</\1>", " ", html))


def test_the_village_board_reads_like_a_paper_board(call):
    response = get(call, "v-wgd/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    text = text_of(html)
    for words in ("伍桂墩村 · 村务公开栏", "毕昇老街人居环境整治", "村民代表会议应到 30 人、实到 22 人",
                  "第1名：参与率 75%", "镇长王明", "村干部和党员", "刘桂兰", "好婆婆", "回音墙", "2026年06月05日 11:00"):
        assert words in text, words
    assert html.count("<svg") >= 4 and "<script" not in html and "http://" not in html.split("<svg")[0]
    assert [p for p in PRIVATE if p in html] == [] and "built-in method" not in html
    assert not re.search(r"\bwgd-\d", text)        # ids only in links, never in what people read


def test_one_section_alone_for_printing_and_a_hamlet_board(call):
    html = get(call, "v-wgd/s/funding/").get_data(as_text=True)
    assert "参与优先 资金排队" in html and "@page { size: A4" in html and "回音墙</h2>" not in html
    hamlet = get(call, "v-wgd/h/wgd-3/").get_data(as_text=True)
    assert "伍桂墩村 · 老街组 · 村务公开栏" in hamlet
    board = get(call, "v-wgd/").get_data(as_text=True)
    for section in pages.SECTIONS:  # every section links its 公示 sheet, for the village and a hamlet
        assert f'href="/v/v-wgd/s/{section}/">打印本栏' in board
        assert f'href="/v/v-wgd/h/wgd-3/s/{section}/">打印本栏' in hamlet
        sheet = get(call, f"v-wgd/h/wgd-3/s/{section}/")
        assert sheet.status_code == 200 and "打印本栏" not in sheet.get_data(as_text=True)
    assert "纸张选 A4" in html and "伍桂墩村 · 老街组" in get(call, "v-wgd/h/wgd-3/s/news/").get_data(as_text=True)


def test_paging_date_filter_and_unknown_places_answer_in_chinese(call):
    assert "这段时间没有公告" in get(call, "v-wgd/", **{"from": "2027-01-01"}).get_data(as_text=True)
    missing = get(call, "v-nowhere/")
    assert missing.status_code == 404 and "没有找到" in missing.get_data(as_text=True)
    bad = get(call, "v-wgd/", **{"from": "明天"})
    assert bad.status_code == 400 and "from" in bad.get_data(as_text=True)
    assert "伍桂墩村" in get(call, "").get_data(as_text=True)
