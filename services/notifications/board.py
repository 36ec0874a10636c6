"""村务公开栏 the village board's read model: public events projected per village, and its page data.

Only events whose catalogue audience is ``public`` become board items. ``household.registered``
(internal) is read for names alone — village, hamlet and household head — so headlines name
places and people instead of showing ids; nothing else of it is kept. Plain module: no nameko.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.kernel import events, periods
from services.kernel.db import insert_rows, upsert_many
from services.kernel.errors import NotFound, ValidationFailed

from . import headlines
from .models import BoardItem, BoardPlace, BoardProject, Objection, Publicity

SHANGHAI = periods.TZ  # the villages' clock: one definition, in the kernel

# event type -> board section
SECTION = {
    "motion.decided": "decision", "vote.recorded": "vote",
    "funding_round.allocated": "funding", "funding.allocated": "allocation", "grant.released": "allocation",
    "project.registered": "accounts", "project.funded": "accounts",
    "contribution.recorded": "contribution", "contribution.batch_recorded": "contribution",
    "donation.recorded": "donation",
    "title.awarded": "honour", "beautiful_hamlet.decided": "honour",
    "suggestion.filed": "echo", "suggestion.answered": "echo", "suggestion.escalated": "echo",
    "review.completed": "review", "opinion.answered": "review", "opinion.carried_out": "review",
    "good_deed.verified": "deed", "demolition.registered": "demolition",
    "publicity.opened": "publicity", "objection.answered": "publicity",
    "publicity.resolved": "publicity", "publicity.finalised": "publicity",
}
# Rows counted in a section's table but too many to list one by one among the news.
NOT_NEWS = ("contribution", "vote", "publicity")
PER_PAGE = 20


# ---- projection -------------------------------------------------------------------------------

def names_in(session: Session):
    cache: dict[str, str | None] = {}

    def names(ident):
        if ident is None:
            return None
        if ident not in cache:
            cache[ident] = (session.scalar(select(BoardPlace.name).where(BoardPlace.id == ident))
                            or session.scalar(select(BoardProject.name).where(BoardProject.project_id == ident)))
        return cache[ident]
    return names


def register_place(session: Session, data: dict) -> list[BoardItem]:
    """Keep the names of a household.registered; return items whose village just became known."""
    rows = [(data["household_id"], "household", data["head_name"], data["village_id"], data["hamlet_id"])]
    if data.get("hamlet_name"):
        rows.append((data["hamlet_id"], "hamlet", data["hamlet_name"], data["village_id"], data["hamlet_id"]))
    if data.get("village_name"):
        rows.append((data["village_id"], "village", data["village_name"], data["village_id"], None))
    for ident, kind, name, village_id, hamlet_id in rows:
        place = session.get(BoardPlace, ident)
        if place is None:
            session.add(BoardPlace(id=ident, kind=kind, name=name, village_id=village_id, hamlet_id=hamlet_id))
        else:
            place.name, place.village_id, place.hamlet_id = name, village_id, hamlet_id
    session.flush()
    located = list(session.scalars(select(BoardItem).where(
        BoardItem.village_id.is_(None),
        or_(BoardItem.household_id == data["household_id"], BoardItem.hamlet_id == data["hamlet_id"]))))
    names = names_in(session)
    for item in located:
        item.village_id = data["village_id"]
        if item.hamlet_id is None and item.household_id == data["household_id"]:
            item.hamlet_id = data["hamlet_id"]
        item.headline = headlines.headline(item.cause_type, item.facts, names)  # now with names
    return located


def register_places(session: Session, households: list[dict]) -> list[BoardItem]:
    """:func:`register_place` for a roster import's batch: one upsert, one query for items."""
    rows: dict[str, dict] = {}
    for d in households:
        rows[d["household_id"]] = {"id": d["household_id"], "kind": "household", "name": d["head_name"],
                                   "village_id": d["village_id"], "hamlet_id": d["hamlet_id"]}
        if d.get("hamlet_name"):
            rows[d["hamlet_id"]] = {"id": d["hamlet_id"], "kind": "hamlet", "name": d["hamlet_name"],
                                    "village_id": d["village_id"], "hamlet_id": d["hamlet_id"]}
        if d.get("village_name"):
            rows[d["village_id"]] = {"id": d["village_id"], "kind": "village", "name": d["village_name"],
                                     "village_id": d["village_id"], "hamlet_id": None}
    upsert_many(session, BoardPlace, "id", list(rows.values()))
    session.flush()
    by_household = {d["household_id"]: d for d in households}
    by_hamlet = {d["hamlet_id"]: d for d in households}
    located = list(session.scalars(select(BoardItem).where(
        BoardItem.village_id.is_(None),
        or_(BoardItem.household_id.in_(list(by_household)), BoardItem.hamlet_id.in_(list(by_hamlet))))))
    names = names_in(session)
    for item in located:
        own = by_household.get(item.household_id)
        data = own or by_hamlet[item.hamlet_id]
        item.village_id = data["village_id"]
        if item.hamlet_id is None and own is not None:
            item.hamlet_id = own["hamlet_id"]
        item.headline = headlines.headline(item.cause_type, item.facts, names)
    return located


def _village_of(session: Session, *, hamlet_id=None, household_id=None, project_id=None):
    """(village_id, hamlet_id) from the directory and the projects known so far."""
    if project_id:
        project = session.get(BoardProject, project_id)
        if project:
            return project.village_id, hamlet_id or project.hamlet_id
    for ident in (household_id, hamlet_id):
        if ident:
            place = session.get(BoardPlace, ident)
            if place:
                return place.village_id, hamlet_id or place.hamlet_id
    return None, hamlet_id


def project(session: Session, event, now: datetime) -> list[BoardItem]:
    """Project one event onto the board; returns the items that now have a village (for 公示)."""
    if event.name == "household.registered":
        return register_place(session, event.data)
    if event.name == "households.registered":
        return register_places(session, event.data["households"])
    if events.audience_of(event.name) != "public" or event.name not in SECTION:
        return []
    if session.scalar(select(BoardItem.id).where(BoardItem.cause_event_id == event.id)):
        return []
    data = event.envelope.get("data", {})  # JSON-safe form of the validated data
    village_id = data.get("village_id")
    hamlet_id = data.get("hamlet_id")
    household_id = data.get("household_id")
    project_id = data.get("project_id")
    key = _key(event.name, data)
    if event.name == "project.registered":
        session.add(BoardProject(project_id=project_id, village_id=village_id, hamlet_id=hamlet_id,
                                 name=data["name"], budget=data["budget"], mix=data["mix"],
                                 status="registered", registered_at=event.time))
        session.flush()
        # events are handled concurrently: a review or contribution may have come before its project
        for early in session.scalars(select(BoardItem).where(BoardItem.village_id.is_(None),
                                                             BoardItem.project_id == project_id)):
            early.village_id, early.hamlet_id = village_id, early.hamlet_id or hamlet_id
    elif event.name == "project.funded":
        found = session.get(BoardProject, project_id)
        if found:
            found.status, found.funded_at = "funded", event.time
    if not village_id:
        village_id, hamlet_id = _village_of(session, hamlet_id=hamlet_id, household_id=household_id,
                                            project_id=project_id)
    if event.name == "funding_round.allocated":
        return _round_items(session, event, data, now)
    if event.name == "contribution.batch_recorded":
        return _batch_items(session, event, data)
    item = BoardItem(cause_event_id=event.id, cause_type=event.name, section=SECTION[event.name], key=key,
                     village_id=village_id, hamlet_id=hamlet_id, household_id=household_id,
                     project_id=project_id, headline=headlines.headline(event.name, data, names_in(session)),
                     facts=data, occurred_at=_occurred(event, data))
    session.add(item)
    session.flush()
    return [item] if village_id else []


def _round_items(session, event, data, now):
    """A town's round ranks hamlets of several villages: each village's board gets the whole queue."""
    villages = {}
    for row in data["ranking"]:
        village_id, _ = _village_of(session, hamlet_id=row["hamlet_id"])
        villages.setdefault(village_id, row["hamlet_id"])
    items = []
    for n, (village_id, hamlet_id) in enumerate(sorted(villages.items(), key=lambda kv: kv[0] or "")):
        item = BoardItem(cause_event_id=event.id if n == 0 else f"{event.id}/{n}", cause_type=event.name,
                         section="funding", key=data["round_id"], village_id=village_id, hamlet_id=None,
                         household_id=None, project_id=None,
                         headline=headlines.headline(event.name, data, names_in(session)),
                         facts=data, occurred_at=event.time)
        session.add(item)
        items.append(item)
    session.flush()
    return []


def _loaded(session: Session, model, column, ids) -> dict:
    """The rows of ``model`` whose ``column`` is one of ``ids``, by it (one query per 500)."""
    wanted, found = sorted({i for i in ids if i}), {}
    for start in range(0, len(wanted), 500):
        for row in session.scalars(select(model).where(column.in_(wanted[start:start + 500]))):
            found[getattr(row, column.key)] = row
    return found


def _batch_items(session, event, data):
    """A batch of contributions: each entry becomes the board row its own ``contribution.recorded``
    would have made, all in this one transaction. The batch's places, projects and names are read
    in a few queries and the rows written in one INSERT (not two queries and an ORM row per
    entry); contribution rows are never put on notice (``publicity.KIND_OF``), so the located
    items returned are not attached to the session."""
    entries = data["entries"]
    projects = _loaded(session, BoardProject, BoardProject.project_id, [e.get("project_id") for e in entries])
    places = _loaded(session, BoardPlace, BoardPlace.id,
                     [e.get(key) for e in entries for key in ("household_id", "hamlet_id")])
    fallback = names_in(session)

    def names(ident):  # as names_in's, from what was just read
        place = places.get(ident)
        return place.name if place is not None and place.name else fallback(ident)

    def village_of(hamlet_id, household_id, project_id):  # as _village_of, from what was just read
        project = projects.get(project_id) if project_id else None
        if project is not None:
            return project.village_id, hamlet_id or project.hamlet_id
        for ident in (household_id, hamlet_id):
            place = places.get(ident) if ident else None
            if place is not None:
                return place.village_id, hamlet_id or place.hamlet_id
        return None, hamlet_id

    rows = []
    for n, entry in enumerate(entries):
        village_id, hamlet_id = village_of(entry.get("hamlet_id"), entry.get("household_id"), entry.get("project_id"))
        rows.append({
            "cause_event_id": event.id if n == 0 else f"{event.id}/{n}", "cause_type": "contribution.recorded",
            "section": "contribution", "key": _key("contribution.recorded", entry), "village_id": village_id,
            "hamlet_id": hamlet_id, "household_id": entry.get("household_id"), "project_id": entry.get("project_id"),
            "headline": headlines.headline("contribution.recorded", entry, names), "facts": entry,
            "occurred_at": _occurred(event, entry)})
    insert_rows(session, BoardItem, rows)
    return [BoardItem(**row) for row in rows if row["village_id"]]


def _key(name: str, data: dict) -> str | None:
    for field in ("motion_id", "vote_id", "suggestion_id", "round_id", "title_id", "application_id",
                  "review_id", "opinion_id", "project_id", "publicity_id", "entry_id", "donation_id"):
        if data.get(field):
            return str(data[field])
    return None


def _occurred(event, data) -> datetime:
    for field in ("decided_at", "recorded_at", "answered_at", "filed_at", "funded_at", "escalated_at",
                  "opens_at", "finalised_at", "resolved_at"):
        value = data.get(field)
        if value:
            try:
                moment = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                continue
            return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return event.time.astimezone(timezone.utc)


# ---- reading ----------------------------------------------------------------------------------

def villages(session: Session) -> list[dict]:
    rows = session.execute(select(BoardPlace.id, BoardPlace.name).where(BoardPlace.kind == "village")
                           .order_by(BoardPlace.id)).all()
    return [{"village_id": i, "name": n} for i, n in rows]


def _day(value: str | None, field: str, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.from_messages({field: [f"{value!r} is not a date (YYYY-MM-DD)"]}) from None
    start = datetime.combine(day + timedelta(days=1) if end else day, time(0), SHANGHAI)
    return start.astimezone(timezone.utc)


def view(session: Session, village_id: str, hamlet_id: str | None = None, *, page: int = 1,
         per_page: int = PER_PAGE, date_from: str | None = None, date_to: str | None = None,
         now: datetime | None = None) -> dict:
    """Everything one village's (or hamlet's) board shows, JSON-safe, with names, never ids."""
    village = session.get(BoardPlace, village_id)
    if village is None or village.kind != "village":
        raise NotFound({"message": f"村 {village_id} 不在名录中 (no such village on the board)",
                        "kind": "village", "id": village_id})
    hamlet = None
    if hamlet_id:
        hamlet = session.get(BoardPlace, hamlet_id)
        if hamlet is None or hamlet.kind != "hamlet" or hamlet.village_id != village_id:
            raise NotFound({"message": f"垸组 {hamlet_id} 不属于 {village.name}", "kind": "hamlet", "id": hamlet_id})
    names = names_in(session)
    hamlets = [{"hamlet_id": i, "name": n} for i, n in session.execute(
        select(BoardPlace.id, BoardPlace.name).where(BoardPlace.kind == "hamlet", BoardPlace.village_id == village_id)
        .order_by(BoardPlace.id))]

    def items(*sections):
        query = select(BoardItem).where(BoardItem.village_id == village_id, BoardItem.section.in_(sections))
        if hamlet_id:
            query = query.where(or_(BoardItem.hamlet_id == hamlet_id, BoardItem.hamlet_id.is_(None)))
        return list(session.scalars(query.order_by(BoardItem.occurred_at.desc(), BoardItem.id.desc())))

    notices = _publicity(session, village_id, names, now)
    return {
        "village": {"village_id": village_id, "name": village.name},
        "hamlet": {"hamlet_id": hamlet.id, "name": hamlet.name} if hamlet else None,
        "hamlets": hamlets,
        "news": _news(session, village_id, hamlet_id, page, per_page, date_from, date_to),
        "decisions": _decisions(items("decision"), items("vote"), notices),
        "funding": _funding(session, items("funding"), items("allocation"), village_id, names, notices),
        "accounts": _accounts(session, village_id, hamlet_id, names),
        "contributions": _contributions(items("contribution", "donation"), names),
        "honours": _honours(items("honour"), names, notices),
        "echo": _echo(items("echo")),
        "reviews": _reviews(items("review"), session, names),
        "tasks": _tasks(items("review")),
        "deeds": [{"headline": i.headline, "at": i.occurred_at.isoformat()} for i in items("deed")[:20]],
        "publicity": [n for n in notices.values() if n["status"] not in ("final", "withdrawn")],
    }


def _news(session, village_id, hamlet_id, page, per_page, date_from, date_to) -> dict:
    if page < 1:
        raise ValidationFailed.from_messages({"page": ["pages start at 1"]})
    query = select(BoardItem).where(BoardItem.village_id == village_id, BoardItem.section.not_in(NOT_NEWS))
    if hamlet_id:
        query = query.where(or_(BoardItem.hamlet_id == hamlet_id, BoardItem.hamlet_id.is_(None)))
    start, end = _day(date_from, "from"), _day(date_to, "to", end=True)
    if start:
        query = query.where(BoardItem.occurred_at >= start)
    if end:
        query = query.where(BoardItem.occurred_at < end)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(BoardItem.occurred_at.desc(), BoardItem.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return {"items": [{"headline": r.headline, "section": r.section, "at": r.occurred_at.isoformat()} for r in rows],
            "page": page, "pages": max(1, math.ceil(total / per_page)), "total": total,
            "from": date_from, "to": date_to}


def _status_of(notices: dict, cause_event_id: str) -> dict | None:
    return notices.get(cause_event_id)


def _decisions(decided, votes, notices) -> list[dict]:
    by_vote = {v.facts["vote_id"]: v.facts for v in votes}
    by_motion = defaultdict(list)
    for v in votes:
        by_motion[v.facts["motion_id"]].append(v.facts)
    out = []
    for item in decided:
        d = item.facts
        bodies = []
        for b in d["bodies"]:
            vote = by_vote.get(b.get("vote_id"))
            bodies.append({"body": headlines.BODY.get(b["body"], b["body"]),
                           "outcome": headlines.VOTE.get(b.get("outcome"), b.get("outcome")),
                           "vote": headlines.vote_line(vote) if vote else None,
                           "rule": _rule(b.get("rule") or (vote or {}).get("rule"))})
        advisory = [headlines.vote_line(v) for v in by_motion[d["motion_id"]] if not v["counts"]]
        out.append({"title": d["title"], "outcome": "通过" if d["outcome"] == "approved" else "未通过",
                    "matter": headlines.MATTER.get(d["matter"], d["matter"]), "rule": _rule(d["rule"]),
                    "decided_at": item.occurred_at.isoformat(), "bodies": bodies, "advisory": advisory,
                    "budget": headlines.yuan(d["estimated_budget"]) if d.get("estimated_budget") else None,
                    "publicity": _status_of(notices, item.cause_event_id)})
    return out


def _rule(rule: dict | None) -> str | None:
    return f"{rule.get('policy') or rule['id'].split('.')[0]}.yaml 第 {rule['version']} 版（{rule['id']}）" if rule else None


def _funding(session, rounds, allocations, village_id, names, notices) -> list[dict]:
    alloc = {a.facts["request_id"]: a for a in allocations if a.cause_type == "funding.allocated"}
    out = []
    for item in rounds:
        d = item.facts
        rows = []
        for r in sorted(d["ranking"], key=lambda r: r["rank"]):
            a = alloc.get(r["request_id"])
            rows.append({"rank": r["rank"], "hamlet": headlines.place(names, r["hamlet_id"], "hamlet"),
                         "ours": _in_village(session, r["hamlet_id"], village_id),
                         "rate": r["participation_rate"], "rate_text": headlines.percent(r["participation_rate"]),
                         "amount": headlines.yuan(r["amount"]), "granted": headlines.yuan(r["granted"]),
                         "funded": r["funded"], "reason": r["reason"],
                         "status": headlines.GRANT_STATUS.get(a.facts["status"]) if a else None,
                         "publicity": _status_of(notices, a.cause_event_id) if a else None})
        override = d.get("override")
        out.append({"budget": headlines.yuan(d["budget"]), "remaining": headlines.yuan(d["remaining"]),
                    "reason": " ".join(d["reason"].replace(d["round_id"], "").split()),  # no raw ids
                    "rule": _rule(d["rule"]), "at": item.occurred_at.isoformat(),
                    "rows": rows, "override_refused": d.get("override_refused"),
                    "override": {"by": override["by"], "why": override["why"]} if override else None})
    return out


def _in_village(session, hamlet_id, village_id) -> bool:
    place = session.get(BoardPlace, hamlet_id)
    return place is not None and place.village_id == village_id


def _accounts(session, village_id, hamlet_id, names) -> list[dict]:
    query = select(BoardProject).where(BoardProject.village_id == village_id)
    if hamlet_id:
        query = query.where(or_(BoardProject.hamlet_id == hamlet_id, BoardProject.hamlet_id.is_(None)))
    projects = list(session.scalars(query.order_by(BoardProject.registered_at.desc())))
    # Raised money summed from the ledger entries themselves (reversals carry negative amounts), so
    # entries handled in any order, or before their project, all count.
    raised: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    if projects:
        for facts in session.scalars(select(BoardItem.facts).where(
                BoardItem.section == "contribution", BoardItem.project_id.in_([p.project_id for p in projects]))):
            if facts["kind"] == "money" and facts.get("amount"):
                raised[facts["project_id"]][facts.get("source") or "crowd"] += Decimal(facts["amount"])
    out = []
    for p in projects:
        by_source = {s: raised[p.project_id][s] for s in ("grant", "sponsor", "crowd")}
        total = sum(by_source.values())
        budget = Decimal(p.budget)
        out.append({"name": p.name, "hamlet": names(p.hamlet_id) if p.hamlet_id else "全村",
                    "budget": headlines.yuan(budget),
                    "sources": [{"source": headlines.SOURCE_SHORT[s], "planned": headlines.yuan(p.mix.get(s, "0")),
                                 "raised": headlines.yuan(v), "value": float(v)} for s, v in by_source.items()],
                    "raised": headlines.yuan(total), "spent": None,
                    "progress": float(total / budget) if budget else 0.0,
                    "status": "资金已筹齐" if p.status == "funded" else "筹资中"})
    return out


def _contributions(rows, names) -> dict:
    donors: dict[str, Decimal] = defaultdict(Decimal)
    per_hamlet: dict[str, dict] = {}
    for item in rows:
        d = item.facts
        if item.cause_type == "donation.recorded":
            if d["kind"] == "money" and d.get("amount"):
                donors[d["donor_name"]] += Decimal(d["amount"])
            continue
        hamlet = per_hamlet.setdefault(item.hamlet_id or "", {
            "hamlet": headlines.place(names, item.hamlet_id, "hamlet"), "money": Decimal(0), "hours": Decimal(0),
            "items": 0, "land_m2": Decimal(0), "households": set()})
        if d.get("household_id"):
            hamlet["households"].add(d["household_id"])
        if d["kind"] == "money":
            amount = Decimal(d["amount"] or "0")
            hamlet["money"] += amount
            if d.get("household_id") and d.get("source") != "grant":
                donors[headlines.place(names, d["household_id"], "household")] += amount
        elif d["kind"] == "labour":
            hamlet["hours"] += Decimal(d["hours"] or "0")
        elif d["kind"] == "materials":
            hamlet["items"] += sum(i["count"] for i in d.get("items") or [])
            hamlet["land_m2"] += Decimal(d.get("land_area_m2") or "0")
    roll = sorted(((n, a) for n, a in donors.items() if a > 0), key=lambda x: (-x[1], x[0]))
    return {
        "honour_roll": [{"rank": i, "name": n, "amount": headlines.yuan(a), "value": float(a)}
                        for i, (n, a) in enumerate(roll, start=1)],
        "hamlets": [{"hamlet": h["hamlet"], "money": headlines.yuan(h["money"]), "hours": f"{h['hours']:.1f}",
                     "item_count": h["items"], "land_m2": f"{h['land_m2']:.0f}", "households": len(h["households"])}
                    for _k, h in sorted(per_hamlet.items())],
    }


def _honours(rows, names, notices) -> dict:
    titles, awards = [], []
    for item in rows:
        d = item.facts
        notice = _status_of(notices, item.cause_event_id)
        final = notice is None or notice["status"] == "final"
        if item.cause_type == "title.awarded":
            titles.append({"household": headlines.place(names, d["household_id"], "household"),
                           "title": headlines.title_label(d), "quarter": d["quarter"],
                           "honour_points": d["honour_points"], "stars": d["rating_stars"],
                           "final": final, "publicity": notice})
        elif d["outcome"] == "awarded":
            awards.append({"hamlet": headlines.place(names, d["hamlet_id"], "hamlet"), "year": d["year"],
                           "total": d["total"], "threshold": d["threshold"],
                           "satisfaction": headlines.percent(float(d["satisfaction"])),
                           "final": final, "publicity": notice})
    return {"titles": titles, "awards": awards}


def _echo(rows) -> list[dict]:
    threads: dict[str, dict] = {}
    for item in reversed(rows):  # oldest first, so answers land on their suggestion
        d = item.facts
        thread = threads.setdefault(d["suggestion_id"], {"title": None, "filed_at": None, "answer": None,
                                                         "outcome": None, "answered_at": None, "escalated": None})
        if item.cause_type == "suggestion.filed":
            thread["title"], thread["filed_at"] = d["title"], item.occurred_at.isoformat()
        elif item.cause_type == "suggestion.answered":
            thread.update(answer=d["answer"], outcome=headlines.SUGGESTION.get(d["outcome"]),
                          answered_at=item.occurred_at.isoformat())
        else:
            thread["title"] = thread["title"] or d["title"]
            thread["escalated"] = headlines.LEVEL.get(d["escalate_to"], "上级")
    return sorted((t for t in threads.values() if t["title"]), key=lambda t: t["filed_at"] or "", reverse=True)


def _reviews(rows, session, names) -> list[dict]:
    out = []
    for item in rows:
        d = item.facts
        project = session.get(BoardProject, d["project_id"]) if d.get("project_id") else None
        kind = {"opinion.answered": "opinion", "opinion.carried_out": "done"}.get(item.cause_type, "review")
        out.append({"project": project.name if project else (d.get("title") or "村级重要工作"),
                    "headline": item.headline, "kind": kind, "at": item.occurred_at.isoformat()})
    return out


def _tasks(rows) -> list[dict]:
    """合理意见，积极采纳，全力落实: adopted opinions stay on the board until carried out."""
    done = {item.facts["opinion_id"] for item in rows if item.cause_type == "opinion.carried_out"}
    tasks = [{"opinion": d.get("text") or "", "answer": d["answer"], "owner": d.get("owner"),
              "due_on": d.get("due_on"), "review": d.get("title") or "", "half_year": d.get("half_year")}
             for d in (item.facts for item in rows
                       if item.cause_type == "opinion.answered" and item.facts.get("status") == "adopted")
             if d["opinion_id"] not in done]
    return sorted(tasks, key=lambda t: t["due_on"] or "")


def _publicity(session, village_id, names, now) -> dict:
    """cause_event_id -> where its 公示 stands, with the committee's public answers (no objector)."""
    out = {}
    pubs = list(session.scalars(select(Publicity).where(Publicity.village_id == village_id)
                                .order_by(Publicity.closes_at)))
    objections = defaultdict(list)
    if pubs:
        for o in session.scalars(select(Objection).where(Objection.publicity_id.in_([p.id for p in pubs]))
                                 .order_by(Objection.id)):
            objections[o.publicity_id].append(o)
    from .publicity import STATUS_TEXT, aware, status_of
    for p in pubs:
        status = status_of(p, objections[p.id], now)
        out[p.cause_event_id] = {
            "publicity_id": p.id, "kind": headlines.PUBLICITY_KIND[p.kind], "headline": p.headline,
            "opens_at": aware(p.opens_at).isoformat(), "closes_at": aware(p.closes_at).isoformat(), "status": status,
            "status_text": STATUS_TEXT[status], "objections": len(objections[p.id]),
            "answers": [{"outcome": headlines.OBJECTION[o.status], "answer": o.answer,
                         "at": aware(o.answered_at).isoformat()} for o in objections[p.id] if o.answer],
            "resolution": p.resolution_note}
    return out
