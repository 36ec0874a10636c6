"""Who may do what in scoring, beyond the route's roles (services.kernel.identity).

- 审核积分: a cadre of the household's village approves (or rejects, revokes) its points,
  never those of the cadre's own household.
- 党员评议: a party member's assessment is seen by the member's household and the party branch
  (the village's cadres); nobody else.
- 爱心超市: a resident redeems, and cancels, only for their own household; a cadre of the
  household's village may cancel too.
A call without a Principal is the platform's own (the gateway always sends one).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel.identity import (RESIDENT, VILLAGE_CADRE, Forbidden, Principal, require)

from .models import Household


def place(session: Session, household_id: str) -> dict:
    household = session.get(Household, household_id)
    if household is None:
        return {"household": household_id}
    return {"household": household_id, "hamlet": household.hamlet_id, "village": household.village_id,
            "town": household.town_id}


def decide_points(session: Session, actor: Principal | None, household_ids, what: str = "审批积分") -> None:
    if actor is None:
        return
    for household_id in dict.fromkeys(household_ids):
        geo = place(session, household_id)
        require(actor, {"village": geo.get("village")} if geo.get("village") else geo,
                roles=(VILLAGE_CADRE,), what=what)
        if actor.own_household and household_id == actor.own_household:
            raise Forbidden({"message": "不得审批本户的积分 (a cadre never decides points of their own household)",
                             "household_id": household_id})


def rate_sheet(session: Session, actor: Principal | None, hamlet_id: str) -> None:
    """评比表: a cadre of the hamlet's village rates its households; checked before the sheet
    is read, so a cadre of another village learns nothing of it."""
    if actor is None:
        return
    village = session.scalar(select(Household.village_id).where(Household.hamlet_id == hamlet_id).limit(1))
    require(actor, {"hamlet": hamlet_id, "village": village} if village else {"hamlet": hamlet_id},
            roles=(VILLAGE_CADRE,), what="评比")


def redeem(actor: Principal | None, household_id: str) -> None:
    if actor is None:
        return
    require(actor, roles=(RESIDENT,), what="兑换")
    if household_id not in actor.ids("household"):
        raise Forbidden({"message": "只能为本户兑换 (a resident redeems only for their own household)",
                         "household_id": household_id})


def cancel_redemption(session: Session, actor: Principal | None, household_id: str) -> None:
    if actor is None:
        return
    if actor.role == RESIDENT:
        redeem(actor, household_id)
        return
    require(actor, {"village": place(session, household_id).get("village")}, roles=(VILLAGE_CADRE,), what="取消兑换")


def locate(session: Session, view):
    """A dumped row (or rows) naming only a household, with its hamlet and village added, so
    the scope guard can place it."""
    if isinstance(view, list):
        return [locate(session, v) for v in view]
    if isinstance(view, dict) and view.get("household_id") and not view.get("village_id"):
        geo = place(session, view["household_id"])
        view = {**view, "hamlet_id": view.get("hamlet_id") or geo.get("hamlet"),
                "village_id": geo.get("village")}
    return view


def read_village(actor: Principal | None, village_id: str | None) -> None:
    """A village-wide listing is for callers who reach the village."""
    if actor is not None and village_id and not actor.reaches({"village": village_id}):
        require(actor, {"village": village_id})


def own_or_branch(actor: Principal | None, rows: list[dict]) -> list[dict]:
    """Assessments the caller may see: all of its village for the branch, else its own household's."""
    if actor is None or actor.role == VILLAGE_CADRE:
        return rows
    return [row for row in rows if row.get("household_id") in actor.ids("household")]
