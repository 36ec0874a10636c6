"""1+10 党员联户: 党支部 → 垸组党小组 → 党员中心户 → 群众, "一人联十人，十人联百户".

Households come from the roster (``household.registered``, a read model). Each hamlet's party
group holds the hub households; a hub is elected ("大家推选的党员中心户") and names the party
member who answers for it and its three roles (户长, 生态环境管理员, 矛盾纠纷调解员). Each linked
household names its hub, so "who is responsible for these ten households" has a person for an
answer. Coverage is checked against the ``management`` rule (every household linked; a hub with
far more or fewer than ten flagged); contact visits are logged as assessment evidence.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404, upsert_many
from services.kernel.errors import Conflict, invalid
from services.kernel.identity import roster_places
from services.kernel.ids import new_id

from . import participation
from .common import ask, params
from .models import ContactVisit, Household, Hub, Link, PartyGroup


def household_registered(session: Session, now: datetime, data: dict) -> Household:
    household = session.get(Household, data["household_id"]) or Household(household_id=data["household_id"])
    household.village_id, household.hamlet_id = data["village_id"], data["hamlet_id"]
    household.head_name, household.party_member = data["head_name"], bool(data["party_member"])
    household.roster_hub_id, household.updated_at = data.get("hub_household_id"), now
    session.add(household)
    session.flush()
    # The roster's link is taken over when its hub is known here and nobody relinked it by hand.
    hub_id = data.get("hub_household_id")
    if hub_id and session.get(Hub, hub_id) is not None and session.get(Link, household.household_id) is None \
            and hub_id != household.household_id:
        session.add(Link(household_id=household.household_id, hub_household_id=hub_id,
                         linked_by="roster", linked_at=now))
    return household


def households_registered(session: Session, now: datetime, data: dict) -> None:
    """A roster import's batch (up to 500 households): a few queries, one flush; the roster's
    1+10 links taken over as :func:`household_registered` does."""
    items = data["households"]
    upsert_many(session, Household, "household_id", [
        {"household_id": d["household_id"], "village_id": d["village_id"], "hamlet_id": d["hamlet_id"],
         "head_name": d["head_name"], "party_member": bool(d["party_member"]),
         "roster_hub_id": d.get("hub_household_id"), "updated_at": now} for d in items])
    wanted = {d["household_id"]: d["hub_household_id"] for d in items
              if d.get("hub_household_id") and d["hub_household_id"] != d["household_id"]}
    if not wanted:
        return
    hubs = set(session.scalars(select(Hub.household_id).where(Hub.household_id.in_(set(wanted.values())))))
    linked = set(session.scalars(select(Link.household_id).where(Link.household_id.in_(list(wanted)))))
    for household_id, hub_id in wanted.items():
        if hub_id in hubs and household_id not in linked:
            session.add(Link(household_id=household_id, hub_household_id=hub_id, linked_by="roster", linked_at=now))


def _household(session: Session, household_id: str, field: str) -> Household:
    household = session.get(Household, household_id)
    if household is None:
        raise invalid(field, f"户 {household_id} 不在花名册上（等 household.registered 到达后再试）")
    return household


def form_group(session: Session, data: dict) -> PartyGroup:
    if session.scalar(select(PartyGroup).where(PartyGroup.hamlet_id == data["hamlet_id"])) is not None:
        raise Conflict({"message": "这个垸组已经有党小组", "hamlet_id": data["hamlet_id"]})
    group = PartyGroup(id=new_id("grp"), village_id=data["village_id"], hamlet_id=data["hamlet_id"],
                       leader_resident_id=data["leader_resident_id"], leader_name=data["leader_name"])
    session.add(group)
    session.flush()
    return group


def elect_hub(session: Session, now: datetime, data: dict) -> Hub:
    """大家推选: a hub household, its party member and its three roles."""
    household = _household(session, data["household_id"], "household_id")
    group = session.scalar(select(PartyGroup).where(PartyGroup.hamlet_id == household.hamlet_id))
    if group is None:
        raise invalid("household_id", f"垸组 {household.hamlet_id} 还没有党小组：先成立党小组")
    hub = session.get(Hub, household.household_id) or Hub(household_id=household.household_id)
    hub.group_id, hub.hamlet_id, hub.village_id = group.id, household.hamlet_id, household.village_id
    hub.party_member_id, hub.party_member_name = data["party_member_id"], data["party_member_name"]
    hub.elected_at_meeting = data.get("elected_at_meeting")
    hub.head, hub.eco_manager, hub.mediator = data["head"], data["eco_manager"], data["mediator"]
    hub.elected_at = now
    session.add(hub)
    session.flush()
    # Households the roster already links to this hub come along.
    for linked in session.scalars(select(Household).where(Household.roster_hub_id == hub.household_id)):
        if session.get(Link, linked.household_id) is None and linked.household_id != hub.household_id:
            session.add(Link(household_id=linked.household_id, hub_household_id=hub.household_id,
                             linked_by="roster", linked_at=hub.elected_at))
    session.flush()
    return hub


def link(session: Session, now: datetime, hub_id: str, data: dict) -> list[Link]:
    hub = get_hub(session, hub_id)
    links = []
    for household_id in data["household_ids"]:
        household = _household(session, household_id, "household_ids")
        if household.hamlet_id != hub.hamlet_id:
            raise invalid("household_ids", f"户 {household_id} 不在中心户所在的垸组 {hub.hamlet_id}")
        if household_id == hub.household_id:
            raise invalid("household_ids", "中心户不联系自己")
        row = session.get(Link, household_id) or Link(household_id=household_id)
        row.hub_household_id, row.linked_by, row.linked_at = hub.household_id, data["by"], now
        session.add(row)
        links.append(row)
    session.flush()
    return links


def get_hub(session: Session, hub_id: str) -> Hub:
    return get_or_404(session, Hub, hub_id, "hub household")


def linked_households(session: Session, hub_id: str) -> list[Household]:
    return list(session.scalars(select(Household).join(Link, Link.household_id == Household.household_id)
                                .where(Link.hub_household_id == hub_id).order_by(Household.household_id)))


def responsible_for(session: Session, household_id: str) -> dict:
    """Who answers for this household: the chain 党支部 → 党小组 → 中心户 (party member) → 户."""
    household = get_or_404(session, Household, household_id, "household")
    row = session.get(Link, household_id)
    hub = session.get(Hub, row.hub_household_id) if row else session.get(Hub, household_id)
    group = session.get(PartyGroup, hub.group_id) if hub else None
    return {"household_id": household_id, "hamlet_id": household.hamlet_id, "village_id": household.village_id,
            "branch": f"{household.village_id} 党支部", "group": group, "hub": hub,
            "is_hub": hub is not None and hub.household_id == household_id}


def coverage(session: Session, policy, hamlet_id: str) -> dict:
    """Every household linked? Each hub's size judged by the rule."""
    households = list(session.scalars(select(Household).where(Household.hamlet_id == hamlet_id)
                                      .order_by(Household.household_id)))
    hubs = list(session.scalars(select(Hub).where(Hub.hamlet_id == hamlet_id).order_by(Hub.household_id)))
    hub_ids = {h.household_id for h in hubs}
    linked = {lk.household_id: lk.hub_household_id for lk in session.scalars(
        select(Link).join(Hub, Hub.household_id == Link.hub_household_id).where(Hub.hamlet_id == hamlet_id))}
    unlinked = [h.household_id for h in households if h.household_id not in linked and h.household_id not in hub_ids]
    judged = []
    for hub in hubs:
        size = sum(1 for v in linked.values() if v == hub.household_id)
        decision = ask(policy, {"check": "hub_size", "households": size}, {"ok", "too_many", "too_few"})
        judged.append({"hub_household_id": hub.household_id, "party_member_id": hub.party_member_id,
                       "party_member_name": hub.party_member_name, "households": size,
                       "verdict": decision["outcome"], "reason": decision.get("reason", ""),
                       "rule": decision["rule"]})
    return {"hamlet_id": hamlet_id, "households": len(households), "hubs": judged,
            "linked": len(linked) + len(hub_ids & {h.household_id for h in households}),
            "unlinked_household_ids": unlinked, "complete": not unlinked and bool(hubs),
            "flagged": [j for j in judged if j["verdict"] != "ok"]}


def log_visit(session: Session, policy, now: datetime, hub_id: str, data: dict) -> ContactVisit:
    hub = get_hub(session, hub_id)
    row = session.get(Link, data["household_id"])
    if row is None or row.hub_household_id != hub.household_id:
        raise invalid("household_id", f"户 {data['household_id']} 没有联系到中心户 {hub_id}")
    at = data.get("visited_at") or now
    visit = ContactVisit(id=new_id("vis"), hub_household_id=hub.household_id, party_member_id=hub.party_member_id,
                         household_id=data["household_id"], hamlet_id=hub.hamlet_id, village_id=hub.village_id,
                         visited_at=at, note=data.get("note", ""))
    session.add(visit)
    session.flush()
    outbox.emit(session, "contact_visit.logged", {
        "visit_id": visit.id, "village_id": hub.village_id, "hamlet_id": hub.hamlet_id,
        "party_member_id": hub.party_member_id, "hub_household_id": hub.household_id,
        "household_id": visit.household_id, "visited_at": iso(at)}, subject=visit.id)
    participation.record(session, policy, visit.household_id, hub.hamlet_id, hub.village_id, "contact_visit", visit.id, at)
    return visit


def visits_due(session: Session, policy, hamlet_id: str, now: datetime) -> list[dict]:
    """Linked households not visited within the rule's ``visits.every_days``."""
    rule, _version = params(policy)
    every = timedelta(days=int(rule["visits"]["every_days"]))
    last = dict(session.execute(select(ContactVisit.household_id, func.max(ContactVisit.visited_at))
                                .where(ContactVisit.hamlet_id == hamlet_id).group_by(ContactVisit.household_id)).all())
    due = []
    for lk, hub in session.execute(select(Link, Hub).join(Hub, Hub.household_id == Link.hub_household_id)
                                   .where(Hub.hamlet_id == hamlet_id).order_by(Link.household_id)).all():
        seen = last.get(lk.household_id)
        if seen is not None and seen.tzinfo is None:
            seen = seen.replace(tzinfo=now.tzinfo)
        if seen is None or now - seen > every:
            due.append({"household_id": lk.household_id, "hub_household_id": hub.household_id,
                        "party_member_id": hub.party_member_id, "party_member_name": hub.party_member_name,
                        "last_visit_at": iso(seen), "every_days": every.days})
    return due


def visits_of(session: Session, party_member_id: str, since: datetime | None, until: datetime | None) -> list[ContactVisit]:
    """A party member's visits (the half-year assessment evidence)."""
    stmt = select(ContactVisit).where(ContactVisit.party_member_id == party_member_id)
    if since is not None:
        stmt = stmt.where(ContactVisit.visited_at >= since)
    if until is not None:
        stmt = stmt.where(ContactVisit.visited_at < until)
    return list(session.scalars(stmt.order_by(ContactVisit.visited_at)))


# the scope guard places a result naming only a household or hamlet through this read model
places = roster_places(Household.household_id, Household.hamlet_id, Household.village_id)
