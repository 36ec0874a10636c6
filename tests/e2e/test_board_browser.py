"""村务公开栏 in a real browser: Debian's headless Chromium reads each section of a village's board
from the services running as separate processes (as `make run` starts them), at a village screen's
1366×900 and a phone's 390×844.

The village's story is published on the broker as the services publish it (CloudEvents on their
exchanges), with private matters among it; an objection is lodged and upheld over HTTP. Screenshots
go to var/test-report/board/ for the test report.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import requests

from services.gateway.pages import SECTIONS as HEADINGS
from tests.support.board_scenario import PRIVATE, village_events
from tests.support.browser import PHONE, SCREEN, Browser, chromium_path
from tests.support.bus import publish
from tests.support.wait import until

REPORT = Path(__file__).resolve().parents[2] / "var" / "test-report" / "board"
TAG = uuid.uuid4().hex[:6]
VILLAGE = f"v-wgd{TAG}"

# section -> Chinese that a villager must read there, and the charts it draws
SECTIONS = {
    "publicity": (["公示与异议", "异议成立，暂缓生效", "经核实，评议票数漏记"], []),
    "news": (["最新公告", "刘桂兰户获评「好婆婆」（2026Q2）", "第 1 /"], []),
    "decisions": (["毕昇老街人居环境整治", "党员大会应到 35 人、实到 28 人，赞成 26、反对 1、弃权 1，通过",
                   "村民代表会议应到 30 人、实到 22 人，赞成 19、反对 2、弃权 1，通过", "重大事务"], []),
    "funding": (["第1名：参与率 75%", "伍家垸", "桂花垸", "镇长王明", "伍家垸先行整治排水"], ["chart-participation"]),
    "accounts": (["毕昇老街人居环境整治", "350,000.00 元", "上级", "能人", "群众"], ["chart-sources"]),
    "contributions": (["捐资榜", "村干部和党员", "20,000.00 元", "伍建国", "老街组"], ["chart-donors"]),
    "rankings": (["积分排行", "垸组排行（户均积分）"], ["chart-hamlets"]),
    "honours": (["好婆婆", "刘桂兰", "最美垸落", "伍家垸"], []),
    "echo": (["回音墙", "整治毕昇老街，老物件就地利用", "已并入垸组提议"], []),
    "reviews": (["半年评议", "满意度 92 分"], []),
}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser():
    binary = chromium_path()
    if not binary:
        pytest.fail("no chromium: `make install` installs Debian's chromium and fonts-noto-cjk "
                    "(as root), or set CHROMIUM to a Chromium binary")
    b = Browser(binary)
    yield b
    b.close()


@pytest.fixture(scope="module")
def village(stack, person):
    """The story on the broker, then an objection to the title, upheld by the committee. Who
    objects and who answers is the caller (identity): a villager of the household, the
    supervision committee of the village."""
    web, amqp = stack.url, stack.amqp_uri
    villager = person("village_cadre", f"village:{VILLAGE}", home=f"wgd{TAG}-1-02")
    outsider = person("village_cadre", f"village:{VILLAGE}", home=f"lyc{TAG}-yw-01")
    committee = person("supervisor", f"village:{VILLAGE}")
    for event in village_events(TAG):
        publish(amqp, event.name, None, envelope=event.envelope)
    board = until(lambda: _board(web) if _ready(web) else None, timeout=60,
                  message=f"the story on {VILLAGE}'s board")
    title = next(p for p in board["publicity"] if p["kind"] == "评星评优")
    objection = villager.post(f"{web}/api/publicity/{title['publicity_id']}/objections", json={
        "resident_id": f"wgd{TAG}-1-02-1", "household_id": f"wgd{TAG}-1-02", "reason": "好婆婆的评议票数有误"},
        timeout=30)
    assert objection.status_code == 201, objection.text
    stranger = outsider.post(f"{web}/api/publicity/{title['publicity_id']}/objections", json={
        "resident_id": "x-1", "household_id": f"lyc{TAG}-yw-01", "reason": "别村的人"}, timeout=30)
    assert stranger.status_code == 400 and "household_id" in stranger.json()["fields"]
    answered = committee.post(f"{web}/api/objections/{objection.json()['objection_id']}/answer", json={
        "outcome": "upheld", "answer": "经核实，评议票数漏记 2 票，重新统计前暂缓授予", "answered_by": "监督委员会"},
        timeout=30)
    assert answered.status_code == 200, answered.text
    return web


def _board(web):
    response = requests.get(f"{web}/api/board/villages/{VILLAGE}", timeout=30)
    return response.json() if response.status_code == 200 else None


def _ready(web):
    board = _board(web)
    return bool(board and board["decisions"] and board["honours"]["titles"] and board["reviews"]
                and any(p["kind"] == "评星评优" for p in board["publicity"]))


def _check_page(browser, url, size, words, charts, shot):
    browser.open(url, size)
    text = browser.evaluate("document.body.innerText")
    missing = [w for w in words if w not in text]
    assert not missing, f"{url} at {size}: missing {missing}"
    html = browser.evaluate("document.documentElement.outerHTML")
    leaked = [p for p in PRIVATE if p in html]
    assert not leaked, f"{url}: private matters on a public page: {leaked}"
    assert not re.search(rf"wgd{TAG}-\d", text), f"{url}: a raw id where a name belongs"
    assert browser.evaluate("document.scripts.length") == 0
    width = browser.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"{url} at {size}: {width[0]}px wide in a {width[1]}px window"
    for chart in charts:
        drawn = browser.evaluate(
            f"(() => {{ const s = document.querySelector('svg.{chart}'); if (!s) return null;"
            f" const r = s.getBoundingClientRect(); return [r.width, r.height,"
            f" s.querySelectorAll('.series rect, .series path, .slice path').length]; }})()")
        assert drawn and drawn[0] > 100 and drawn[1] > 50 and drawn[2] > 0, f"{chart} not drawn on {url}: {drawn}"
    browser.screenshot(REPORT / shot)


@pytest.mark.parametrize("size", [SCREEN, PHONE], ids=["screen-1366x900", "phone-390x844"])
@pytest.mark.parametrize("section", list(SECTIONS))
def test_each_section_reads_in_chinese_fits_the_screen_and_hides_private_matters(browser, village, section, size):
    words, charts = SECTIONS[section]
    _check_page(browser, f"{village}/v/{VILLAGE}/s/{section}/", size, words, charts,
                f"{section}-{size[0]}x{size[1]}.png")


@pytest.mark.parametrize("size", [SCREEN, PHONE], ids=["screen-1366x900", "phone-390x844"])
def test_the_whole_board(browser, village, size):
    words = [w for ws, _ in SECTIONS.values() for w in ws]
    charts = [c for _, cs in SECTIONS.values() for c in cs]
    _check_page(browser, f"{village}/v/{VILLAGE}/", size, words, charts, f"board-{size[0]}x{size[1]}.png")


def test_the_hamlet_board_and_the_print_layout(browser, village):
    _check_page(browser, f"{village}/v/{VILLAGE}/h/wgd{TAG}-3/", PHONE, ["伍桂墩村 · 老街组 · 村务公开栏", "毕昇老街人居环境整治"],
                [], "hamlet-390x844.png")
    browser.send("Emulation.setEmulatedMedia", media="print")
    try:
        browser.open(f"{village}/v/{VILLAGE}/s/news/", (794, 1123))  # A4 at 96 dpi
        assert browser.evaluate("getComputedStyle(document.querySelector('form.filter')).display") == "none"
        assert browser.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor") == \
            "rgb(255, 255, 255)"
        browser.screenshot(REPORT / "news-print-A4.png")
    finally:
        browser.send("Emulation.setEmulatedMedia", media="")


@pytest.mark.parametrize("section", list(SECTIONS))
def test_each_section_prints_as_an_a4_sheet_in_chinese(browser, village, section):
    """The 公示 sheet a clerk prints (Ctrl+P on /v/<village>/s/<section>/): Chromium's own print
    to PDF gives A4 portrait pages whose fonts draw the page's Chinese, and no print link on the
    sheet itself."""
    import base64

    url = f"{village}/v/{VILLAGE}/s/{section}/"
    browser.open(url, (794, 1123))  # A4 at 96 dpi
    assert browser.evaluate("document.querySelector('p.print') === null")  # no link to itself
    pdf = base64.b64decode(browser.send("Page.printToPDF", preferCSSPageSize=True, printBackground=True)["data"])
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / f"{section}-A4.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    boxes = [tuple(float(v) for v in m.groups())
             for m in re.finditer(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)]
    assert boxes and all(abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in boxes), boxes  # A4 in points
    # the Chinese on the page is drawn in the PDF: a missing CJK font leaves .notdef boxes that map
    # to no character. (A few glyphs a font shares with a radical, e.g. 民 with ⺠, map elsewhere.)
    browser.send("Emulation.setEmulatedMedia", media="print")  # what is on paper, not the screen's hints
    try:
        printed = browser.evaluate("document.body.innerText")
    finally:
        browser.send("Emulation.setEmulatedMedia", media="")
    shown = {c for c in printed if "\u4e00" <= c <= "\u9fff"}
    carried = _pdf_characters(pdf) & shown
    assert HEADINGS[section][:2] in printed and "打印" not in printed
    assert len(shown) >= 4 and len(carried) >= 0.9 * len(shown), \
        f"{url}: the PDF draws {len(carried)} of the page's {len(shown)} Chinese characters: {shown - carried}"


def _pdf_characters(pdf: bytes) -> set[str]:
    """The characters a PDF's fonts map their glyphs to (ToUnicode bfchar and bfrange entries),
    NFKC-normalised: a CJK font may map 示's glyph to the Kangxi radical ⽰ it shares."""
    import unicodedata
    import zlib

    text = b""
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text += zlib.decompress(stream.group(1))
        except zlib.error:
            continue
    found: set[str] = set()

    def chars(hexes: bytes) -> str:
        data = bytes.fromhex(hexes.decode())
        return data.decode("utf-16-be", errors="ignore")

    for block in re.finditer(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for _src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block.group(1)):
            found.update(chars(dst))
    for block in re.finditer(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block.group(1)):
            start = chars(dst)
            if len(start) == 1:
                found.update(chr(ord(start) + i) for i in range(int(hi, 16) - int(lo, 16) + 1))
        for array in re.findall(rb"\[([^\]]*)\]", block.group(1)):
            for dst in re.findall(rb"<([0-9A-Fa-f]+)>", array):
                found.update(chars(dst))
    return {unicodedata.normalize("NFKC", c) for c in found}
