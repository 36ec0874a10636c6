"""矛盾纠纷调解 mediation: a neighbour dispute as a case, from the hub's mediator to the
mediation council and the 五老, with an outcome, an agreement and a follow-up.

Only the parties and the mediators see a case: to anyone else it does not exist (404, so even
its existence stays private). The viewer is an explicit field until the identity service
vouches for who is asking.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel.clock import iso
from services.kernel.errors import IllegalTransition, invalid, NotFound
from services.kernel.ids import new_id

from .models import MediationCase

LEVELS = ["hub_mediator", "mediation_council", "five_elders"]


def open_case(session: Session, now: datetime, data: dict) -> MediationCase:
    if len(set(data["parties"])) < 2:
        raise invalid("parties", "纠纷至少有两方")
    if set(data["parties"]) & set(data["mediators"]):
        raise invalid("mediators", "当事人不能调解自己的纠纷")
    if data["by"] not in data["mediators"]:
        raise invalid("by", "由调解人立案")
    case = MediationCase(id=new_id("med"), village_id=data["village_id"], hamlet_id=data.get("hamlet_id"),
                         parties=sorted(set(data["parties"])), mediators=list(dict.fromkeys(data["mediators"])),
                         level=data["level"], summary=data["summary"], state="open", agreement="",
                         history=[{"action": "open", "level": data["level"], "by": data["by"], "at": iso(now)}],
                         opened_by=data["by"], opened_at=now)
    session.add(case)
    session.flush()
    return case


def _visible(case: MediationCase | None, viewer: str) -> MediationCase:
    if case is None or viewer not in (*case.parties, *case.mediators):
        raise NotFound.of("mediation case", case.id if case else "?")
    return case


def get(session: Session, case_id: str, viewer: str) -> MediationCase:
    case = session.get(MediationCase, case_id)
    if case is None:
        raise NotFound.of("mediation case", case_id)
    return _visible(case, viewer)


def _as_mediator(session, case_id, by) -> MediationCase:
    case = get(session, case_id, by)
    if by not in case.mediators:
        raise invalid("by", "只有调解人可以推进调解")
    if case.state != "open":
        raise IllegalTransition.of("mediation case", case.state, "change", ["open"])
    return case


def refer(session: Session, now: datetime, case_id: str, data: dict) -> MediationCase:
    """Not settled at this level: up to the mediation council, then the 五老."""
    case = _as_mediator(session, case_id, data["by"])
    if LEVELS.index(data["level"]) <= LEVELS.index(case.level):
        raise invalid("level", f"只能往上交：现在在 {case.level}")
    if set(data["mediators"]) & set(case.parties):
        raise invalid("mediators", "当事人不能调解自己的纠纷")
    case.level = data["level"]
    case.mediators = list(dict.fromkeys([*case.mediators, *data["mediators"]]))
    case.history = [*case.history, {"action": "refer", "level": data["level"], "by": data["by"],
                                    "at": iso(now), "why": data.get("why", "")}]
    session.flush()
    return case


def conclude(session: Session, now: datetime, case_id: str, data: dict) -> MediationCase:
    case = _as_mediator(session, case_id, data["by"])
    if data["outcome"] == "agreed" and not data.get("agreement"):
        raise invalid("agreement", "调解成功要写明协议内容")
    case.state, case.agreement = data["outcome"], data.get("agreement", "")
    case.follow_up_at = data.get("follow_up_at")
    case.history = [*case.history, {"action": data["outcome"], "level": case.level, "by": data["by"],
                                    "at": iso(now)}]
    session.flush()
    return case


def find(session: Session, village_id: str, viewer: str) -> list[MediationCase]:
    cases = session.scalars(select(MediationCase).where(MediationCase.village_id == village_id)
                            .order_by(MediationCase.opened_at.desc()))
    return [c for c in cases if viewer in (*c.parties, *c.mediators)]
