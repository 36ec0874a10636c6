"""村务公开栏 the village boards as server-rendered pages (Jinja2 templates, Chinese, no scripts).

``/v/``                         the villages with a board
``/v/<village>/``               a village's board: every section, news paged and filtered by date
``/v/<village>/h/<hamlet>/``    the same for one hamlet
``/v/<village>/s/<section>/``   one section alone, laid out for A4 paper (print stylesheet): the
                                公示 sheet a clerk prints for the paper board (also per hamlet:
                                ``/v/<village>/h/<hamlet>/s/<section>/``)

Plain module, free of nameko: ``serve(request, rest, call)`` where ``call(service, method, **kw)``
is the gateway's RPC. Data comes from the notifications service's board read model; the points
rankings from scoring, which keeps them for the board.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from services.kernel import periods
from services.kernel.errors import CocreateError, NotFound

from . import charts

SHANGHAI = periods.TZ  # the villages' clock: one definition, in the kernel
SECTIONS = {  # anchor -> heading, in the order of the paper board
    "publicity": "公示与异议", "news": "最新公告", "decisions": "民主决策", "funding": "参与优先 资金排队",
    "accounts": "项目账目", "contributions": "捐资榜与四出", "rankings": "积分排行", "honours": "评星评优与最美垸落",
    "echo": "回音墙", "reviews": "半年评议",
}
TEMPLATES = Path(__file__).with_name("templates")

URLS = Map([
    Rule("/", endpoint="index"),
    Rule("/<village_id>/", endpoint="village"),
    Rule("/<village_id>/h/<hamlet_id>/", endpoint="hamlet"),
    Rule("/<village_id>/s/<section>/", endpoint="section"),
    Rule("/<village_id>/h/<hamlet_id>/s/<section>/", endpoint="section"),
], strict_slashes=False)  # /v/wgd and /v/wgd/ are the same board


def _local(value, fmt: str = "%Y年%m月%d日 %H:%M") -> str:
    """An ISO time as Beijing time for residents."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHANGHAI).strftime(fmt)


ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                  undefined=StrictUndefined,  # a misspelt field fails loudly instead of printing nothing
                  trim_blocks=True, lstrip_blocks=True)
ENV.filters["local"] = _local
ENV.filters["day"] = lambda v: _local(v, "%Y年%m月%d日")
ENV.filters["pct"] = lambda v: f"{float(v) * 100:.0f}%"


def serve(request: Request, rest: str, call) -> Response:
    try:
        endpoint, args = URLS.bind("localhost").match("/" + rest, method="GET")
    except RouteNotFound:
        return _page("error.html", 404, message="没有这个页面", detail=f"/v/{rest}")
    try:
        if endpoint == "index":
            return _page("index.html", 200, villages=call("notifications", "villages"))
        return _board(request, call, endpoint, **args)
    except NotFound as exc:
        return _page("error.html", 404, message="没有找到", detail=exc.detail.get("message", str(exc)))
    except CocreateError as exc:
        return _page("error.html", exc.http_status, message="请求有误", detail=exc.detail.get("message", str(exc)),
                     fields=exc.detail.get("fields"))
    except Exception as exc:  # noqa: BLE001  the page still says what is missing
        return _page("error.html", 503, message="公开栏暂时无法显示", detail=f"{type(exc).__name__}: {exc}")


def _board(request: Request, call, endpoint: str, village_id: str, hamlet_id: str | None = None,
           section: str | None = None) -> Response:
    if section is not None and section not in SECTIONS:
        return _page("error.html", 404, message="没有这个栏目", detail=section)
    hamlet_id = hamlet_id or request.args.get("hamlet") or None
    query = {k: v for k, v in {"page": request.args.get("page"), "from": request.args.get("from") or None,
                               "to": request.args.get("to") or None, "hamlet_id": hamlet_id}.items() if v}
    board = call("notifications", "village_board", village_id=village_id, query=query)
    now = datetime.now(timezone.utc)
    rankings = _rankings(call, village_id, hamlet_id, board, now)
    context = {
        "b": board, "rankings": rankings, "sections": SECTIONS, "only": section,
        "now": now.isoformat(), "charts": _charts(board, rankings),
        "base": f"/v/{village_id}/" + (f"h/{hamlet_id}/" if hamlet_id else ""),
        "page_url": lambda page: "?" + urlencode({k: v for k, v in {
            "page": page, "from": request.args.get("from", ""), "to": request.args.get("to", "")}.items() if v}),
        "date_from": request.args.get("from", ""), "date_to": request.args.get("to", ""),
    }
    return _page("board.html", 200, **context)


def _rankings(call, village_id, hamlet_id, board, now) -> dict:
    """This year's approved points, ranked by scoring; the board still renders without them."""
    year = str(now.astimezone(SHANGHAI).year)
    hamlet_names = {h["hamlet_id"]: h["name"] for h in board["hamlets"]}
    try:
        households = call("scoring", "rankings", query={"level": "household", "period": year,
                                                        "village_id": village_id, "hamlet_id": hamlet_id,
                                                        "limit": 10})["rows"]
        hamlets = call("scoring", "rankings", query={"level": "hamlet", "period": year,
                                                     "village_id": village_id})["rows"]
    except Exception as exc:  # noqa: BLE001
        return {"year": year, "households": [], "hamlets": [], "unavailable": f"积分排行暂不可用（{type(exc).__name__}）"}
    return {"year": year, "unavailable": None,
            "households": [{"rank": r["rank"], "name": r["head_name"], "hamlet": hamlet_names.get(r["hamlet_id"], ""),
                            "points": r["points"]} for r in households],
            "hamlets": [{"rank": r["rank"], "name": hamlet_names.get(r["hamlet_id"], "其他垸组"),
                         "households": r["households"], "points": r["points"],
                         "per_household": r["points_per_household"]} for r in hamlets]}


def _charts(board: dict, rankings: dict) -> dict:
    latest = board["funding"][0]["rows"] if board["funding"] else []
    totals = {"上级": 0.0, "能人": 0.0, "群众": 0.0}
    for project in board["accounts"]:
        for s in project["sources"]:
            totals[s["source"]] += s["value"]
    return {
        "participation": charts.participation(latest),
        "sources": charts.funding_sources(totals),
        "donors": charts.honour_roll(board["contributions"]["honour_roll"]),
        "households": charts.ranking([r for r in rankings["households"] if r["points"]], "户积分排行", "points",
                                     "name", "chart-households"),
        "hamlets": charts.ranking(rankings["hamlets"], "垸组户均积分", "per_household", "name", "chart-hamlets"),
    }


def _page(template: str, status: int, **context) -> Response:
    context.setdefault("fields", None)
    html = ENV.get_template(template).render(**context)
    return Response(html, status=status, mimetype="text/html")
