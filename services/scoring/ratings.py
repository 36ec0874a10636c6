"""乡风文明评比 quarterly civility ratings and 评星评优 titles.

Each quarter a household is rated 0..10 stars on village rules and core values; the rating
turns into points (the deed civility_points.yaml names for ratings, ``quarterly_rating``: the
rule's points per star x stars). When a quarter is closed, titles are awarded if that close ends an award period (``award_every`` in
rules/titles.yaml: every quarter, every half year or every year): the ``titles`` rule decides
from the household's honour balance as of that quarter, its stars and its nominations. Which
titles exist (十星级文明户, 好婆婆, 好媳妇, ...), their labels and which need a nominee are read
from the published titles.yaml, never from this code: a title added there is awarded at the
next close. A decision naming a title scoring cannot act on is parked with the reason
(:mod:`parked`), never dropped. A village's quarter closes once;
periods are per village, so closing 2026Q4 in one village closes nothing elsewhere.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.kernel import batches, outbox, periods
from services.kernel.db import insert_rows
from services.kernel import policy as policy_port
from services.kernel.errors import Conflict, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.paging import paged

from . import households, ledger, parked, point_sources
from .models import Household, PeriodClosure, Rating, Title

AREA = "titles"
AWARD_EVERY = ("quarter", "half_year", "year")
# the quarters whose close ends an award period
CLOSING_QUARTERS = {"quarter": (1, 2, 3, 4), "half_year": (2, 4), "year": (4,)}


def catalogue(policy) -> dict:
    """The published titles.yaml as scoring uses it: ``{"version", "award_every", "titles":
    {code: {"label", "requires_nomination", ...}}}``."""
    answer = policy_port.params(policy, AREA)
    params = answer["params"]
    award_every = params.get("award_every") or "quarter"
    if award_every not in AWARD_EVERY:
        raise policy_port.broken(AREA, f"award_every {award_every!r} is not one of {AWARD_EVERY}", answer)
    return {"version": answer["version"], "award_every": award_every, "titles": dict(params.get("titles") or {})}


def _personal(titles: dict) -> list[str]:
    return sorted(code for code, title in titles.items() if title.get("requires_nomination"))


def award_period(quarter: str, award_every: str) -> str | None:
    """The award period a close of ``quarter`` ends (2025Q2 / 2025H1 / 2025), or None."""
    if int(quarter[-1]) not in CLOSING_QUARTERS[award_every]:
        return None
    return periods.containing(quarter, award_every)


def _check_nominations(policy, nominations: list[dict]) -> None:
    if not nominations:
        return
    titles = catalogue(policy)["titles"]
    personal = _personal(titles)
    for i, nomination in enumerate(nominations):
        if nomination["title"] not in personal:
            choices = "、".join(f"{code}（{titles[code].get('label', code)}）" for code in personal) or "（无）"
            raise ValidationFailed.from_messages({f"nominations.{i}.title": [
                f"{nomination['title']!r} 不是需要提名的称号；titles.yaml 里需要提名的称号：{choices}"
                f" — not a title that takes a nomination; valid: {', '.join(personal)}"]})


def _closed(session: Session, village_id: str, quarter: str) -> bool:
    return session.get(PeriodClosure, ("titles", village_id, quarter)) is not None


def rate(session: Session, policy, data: dict, now: datetime) -> Rating:
    household = households.named(session, data["household_id"])
    quarter = data["quarter"]
    if _closed(session, household.village_id, quarter):
        raise Conflict({"message": f"{household.village_id} 的 {quarter} 已结束评比，称号已授予 "
                                   f"({quarter} is closed in this village: its titles are awarded)",
                        "quarter": quarter, "village_id": household.village_id})
    if session.execute(select(Rating.rating_id).where(
            Rating.household_id == household.household_id, Rating.quarter == quarter)).first():
        raise Conflict({"message": f"household {household.household_id} is already rated for {quarter}",
                        "household_id": household.household_id, "quarter": quarter})
    _check_nominations(policy, data.get("nominations") or [])
    rating_id = new_id("rt")
    stars = data["stars"]
    entry = None
    found = ledger.resolve(policy, [(point_sources.read(policy)["rating"]["deed"], stars)]) if stars else None
    if found is not None:  # points per star, when the catalogue prices ratings
        deed, units, decision = found
        entry = ledger.record(
            session, policy, household_id=household.household_id, hamlet_id=household.hamlet_id,
            deed_code=deed, units=units, decision=decision, source="rating", source_ref=rating_id,
            quarter=quarter, now=now, reason=f"乡风文明评比 {quarter}: {stars} stars")
    rating = Rating(rating_id=rating_id, household_id=household.household_id, quarter=quarter,
                    stars=stars, nominations=list(data.get("nominations") or []),
                    rated_by=data["rated_by"], entry_id=entry.entry_id if entry else None, created_at=now)
    session.add(rating)
    session.flush()
    outbox.emit(session, "civility.rated", {
        "rating_id": rating_id, "household_id": household.household_id, "quarter": quarter,
        "stars": stars, "points": entry.points if entry else 0, "entry_id": entry.entry_id if entry else None,
    }, subject=f"household/{household.household_id}")
    return rating


def _row_error(errors: dict, index: int, line: int, field: str, chinese: str, english: str) -> None:
    errors.setdefault(f"ratings.{index}.{field}", []).append(batches.row_message(line, field, f"{chinese} — {english}"))


def rate_sheet(session: Session, policy, data: dict, now: datetime) -> dict:
    """乡风文明评比 a hamlet's quarterly rating sheet, rated as one: every row is checked before
    anything is written (an error names its row and field), the rating rule is asked once, and
    the ratings, their points entries and one ``civility.sheet_rated`` are written together."""
    hamlet_id, quarter, rows = data["hamlet_id"], data["quarter"], data["ratings"]
    village_id = session.scalar(select(Household.village_id).where(Household.hamlet_id == hamlet_id).limit(1))
    if village_id is not None and _closed(session, village_id, quarter):  # periods are per village
        raise Conflict({"message": f"{village_id} 的 {quarter} 已评定称号，不能再评 — {quarter} is closed there: "
                                   "its titles are awarded", "quarter": quarter, "village_id": village_id})
    ids = [row["household_id"] for row in rows]
    known = households.known(session, ids)
    already = set(session.scalars(select(Rating.household_id).where(
        Rating.quarter == quarter, Rating.household_id.in_(sorted(set(ids))))))
    errors: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    personal = _personal(catalogue(policy)["titles"]) if any(row.get("nominations") for row in rows) else []
    for index, row in enumerate(rows):
        line, household_id = row.get("line") or index + 1, row["household_id"]
        for nomination in row.get("nominations") or []:
            if nomination["title"] not in personal:  # the titles that take a nominee: titles.yaml's
                _row_error(errors, index, line, "nominations",
                           f"{nomination['title']!r} 不是需要提名的称号（可提名：{'、'.join(personal) or '无'}）",
                           f"not a title that takes a nomination; valid: {', '.join(personal)}")
        if household_id in first_line:
            _row_error(errors, index, line, "household_id", f"{household_id} 在第{first_line[household_id]}行已评过",
                       f"household {household_id} is already on row {first_line[household_id]}")
            continue
        first_line[household_id] = line
        if household_id not in known:
            _row_error(errors, index, line, "household_id", f"花名册上没有 {household_id}",
                       f"household {household_id} is not on the roster")
        elif known[household_id].hamlet_id != hamlet_id:
            _row_error(errors, index, line, "household_id", f"{household_id} 不是本垸组（{hamlet_id}）的户",
                       f"household {household_id} is not of hamlet {hamlet_id}")
        elif household_id in already:
            _row_error(errors, index, line, "household_id", f"{household_id} 本季度（{quarter}）已评",
                       f"household {household_id} is already rated for {quarter}")
    if errors:
        raise ValidationFailed.from_messages(
            errors, "评比表有误，整张表都没有保存，请按所列行改正 — the sheet has errors; nothing was saved")
    village_id = known[ids[0]].village_id
    found = (ledger.resolve(policy, [(point_sources.read(policy)["rating"]["deed"], 1)])
             if any(row["stars"] for row in rows) else None)
    sheet_id = new_id("rs")
    rated = [dict(row, rating_id=new_id("rt")) for row in rows]
    entries = {}
    if found is not None:  # points per star, when the catalogue prices ratings: one decision, one rule
        deed, _units, decision = found
        entries = {e.source_ref: e for e in ledger.record_many(session, decision, deed, "rating", quarter, now, [
            {"household_id": r["household_id"], "hamlet_id": hamlet_id, "units": r["stars"],
             "source_ref": r["rating_id"], "reason": f"乡风文明评比 {quarter}: {r['stars']} stars"}
            for r in rated if r["stars"]])}
    insert_rows(session, Rating, [
        {"rating_id": r["rating_id"], "household_id": r["household_id"], "quarter": quarter, "stars": r["stars"],
         "nominations": list(r.get("nominations") or []), "rated_by": data["rated_by"],
         "entry_id": entries[r["rating_id"]].entry_id if r["rating_id"] in entries else None, "created_at": now}
        for r in rated])
    out = []
    for r in rated:
        entry = entries.get(r["rating_id"])
        out.append({"rating_id": r["rating_id"], "household_id": r["household_id"], "stars": r["stars"],
                    "points": entry.points if entry else 0, "entry_id": entry.entry_id if entry else None,
                    "status": entry.status if entry else None})
    sheet = {"sheet_id": sheet_id, "hamlet_id": hamlet_id, "village_id": village_id, "quarter": quarter,
             "rated_by": data["rated_by"], "ratings": out,
             "rule": policy_port.rule_ref(found[2]) if found else None}
    outbox.emit(session, "civility.sheet_rated", sheet, subject=f"hamlet/{hamlet_id}")
    return sheet


def _earned_codes(decision: dict) -> list[str]:
    """``values.titles`` lists the codes earned, as strings or as {code, threshold...} objects."""
    return [item.get("code") if isinstance(item, dict) else item for item in decision["values"].get("titles") or []]


def close_quarter(session: Session, policy, village_id: str, quarter: str, closed_by: str, now: datetime) -> dict:
    """期末评星评优: close ``quarter`` in ``village_id`` (once per village); if it ends an award
    period of titles.yaml, compute and emit the titles of every household of the village rated
    for it. Returns ``{"titles", "period", "parked", "award_every", "titles_version"}``
    (``period`` None: this close awards no titles)."""
    try:
        with session.begin_nested():
            session.add(PeriodClosure(kind="titles", village_id=village_id, period=quarter,
                                      closed_by=closed_by, closed_at=now))
    except IntegrityError:
        raise Conflict({"message": f"{village_id} 的 {quarter} 已经结束评比 ({quarter} is already closed here)",
                        "quarter": quarter, "village_id": village_id}) from None
    book = catalogue(policy)
    titles, personal = book["titles"], set(_personal(book["titles"]))
    period = award_period(quarter, book["award_every"])
    result = {"titles": [], "period": period, "parked": [], "award_every": book["award_every"],
              "titles_version": book["version"]}
    if period is None:
        return result  # e.g. award_every: year and the first quarter closes: ratings only
    ratings = session.execute(select(Rating).where(
        Rating.quarter == quarter,
        Rating.household_id.in_(select(Household.household_id).where(Household.village_id == village_id)))
        .order_by(Rating.household_id)).scalars().all()
    for rating in ratings:
        honour = ledger.balances_from_entries(session, rating.household_id, up_to_quarter=quarter)["honour"]
        nominated = {n["title"]: n.get("resident_id") for n in rating.nominations or []}
        decision = policy_port.decide(policy, AREA, {
            # Penalties can take honour below zero; the titles file counts from zero, and no
            # threshold is below it, so zero stands for "nothing to its credit".
            "honour_points": max(honour, 0), "rating_stars": rating.stars,
            "nominations": sorted(code for code in nominated if code in titles)})
        rule = policy_port.rule_ref(decision)
        for code in _earned_codes(decision):
            why = None
            if not isinstance(code, str) or code not in titles:
                why = (f"称号 {code!r} 不在 titles.yaml v{book['version']} 的称号目录里，评分服务不知道怎样授予；"
                       f"请核对发布的 titles.yaml 后重新处理 — title not in the published catalogue")
            elif code in personal and not nominated.get(code):
                why = (f"称号 {code!r}（{titles[code].get('label', code)}）要授予被提名的个人，但没有提名人选"
                       f" — a personal title without a nominee")
            if why is not None:
                result["parked"].append(parked.park(session, area=AREA, code=str(code), household_id=rating.household_id,
                                                    period=period, reason=why, decision=decision, now=now))
                continue
            label = titles[code].get("label") or code
            title = Title(title_id=new_id("tt"), household_id=rating.household_id,
                          resident_id=nominated.get(code) if code in personal else None, code=code,
                          quarter=quarter, period=period, honour_points=honour, rating_stars=rating.stars,
                          rule_id=rule["id"], rule_version=rule["version"], awarded_at=now)
            session.add(title)
            session.flush()
            outbox.emit(session, "title.awarded", {
                "title_id": title.title_id, "household_id": title.household_id,
                "resident_id": title.resident_id, "code": code, "label": label, "quarter": quarter,
                "period": period, "honour_points": honour, "rating_stars": rating.stars, "rule": rule,
            }, subject=f"household/{title.household_id}")
            result["titles"].append(title)
    return result


def list_titles(session: Session, *, quarter=None, household_id=None, code=None,
        limit: int | None = None, offset: int = 0) -> list[Title]:
    query = select(Title).order_by(Title.quarter, Title.household_id, Title.code)
    for column, value in ((Title.quarter, quarter), (Title.household_id, household_id), (Title.code, code)):
        if value:
            query = query.where(column == value)
    return list(session.execute(paged(query, limit, offset)).scalars())
