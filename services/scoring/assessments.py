"""党员评议 party-member assessment: every half year, each party member is assessed against the
positive and negative lists (正、反向评价清单) of their category — 在职 in_office, 无职
without_office, 流动 mobile, 年老 elderly — and the ``party_assessment`` rule quantifies it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel import policy as policy_port
from services.kernel.errors import Conflict, invalid
from services.kernel.ids import new_id
from services.kernel.paging import paged

from . import households
from .models import Household, PartyAssessment, Resident

CATEGORIES = ("in_office", "without_office", "mobile", "elderly")


def assess(session: Session, policy, data: dict, now: datetime) -> PartyAssessment:
    """Assess a party member; who they are and their category (在职/无职/流动/年老) are read
    from the roster (``household.registered``), never typed in again."""
    member = session.get(Resident, data["resident_id"])
    if member is None:
        raise invalid("resident_id", f"村民 {data['resident_id']} 不在花名册上 (not on the roster)")
    if data.get("household_id") not in (None, member.household_id):
        raise invalid("household_id", f"村民 {member.resident_id} 不是户 {data['household_id']} 的 (of another household)")
    if not member.party_member:
        raise invalid("resident_id", f"花名册上 {member.name} 不是党员 (not a party member on the roster)")
    if member.party_category not in CATEGORIES:
        raise invalid("resident_id", f"花名册上 {member.name} 没有党员类别：在花名册上填 在职、无职、流动 或 年老")
    household = households.get(session, member.household_id)
    data = {**data, "household_id": household.household_id, "name": member.name, "category": member.party_category}
    half_year = data["half_year"]
    if session.execute(select(PartyAssessment.assessment_id).where(
            PartyAssessment.resident_id == data["resident_id"],
            PartyAssessment.half_year == half_year)).first():
        raise Conflict({"message": f"{data['resident_id']} is already assessed for {half_year}",
                        "resident_id": data["resident_id"], "half_year": half_year})
    positives, negatives = list(data.get("positives") or []), list(data.get("negatives") or [])
    decision = policy_port.decide(policy, "party_assessment", {
        "category": data["category"], "positives": positives, "negatives": negatives})
    rule, values = policy_port.rule_ref(decision), decision["values"]
    assessment = PartyAssessment(
        assessment_id=new_id("pa"), resident_id=data["resident_id"],
        household_id=household.household_id, name=data["name"], category=data["category"],
        half_year=half_year, positives=positives, negatives=negatives, outcome=decision["outcome"],
        score=int(values.get("score", 0)), base=int(values.get("base", 0)),
        assessed_by=data["assessed_by"], rule_id=rule["id"], rule_version=rule["version"], created_at=now)
    session.add(assessment)
    session.flush()
    outbox.emit(session, "party_member.assessed", {
        "assessment_id": assessment.assessment_id, "resident_id": assessment.resident_id,
        "household_id": assessment.household_id, "category": assessment.category,
        "half_year": half_year, "outcome": assessment.outcome, "score": assessment.score, "rule": rule,
    }, subject=f"resident/{assessment.resident_id}")
    return assessment


def list_assessments(session: Session, *, half_year=None, village_id=None,
        limit: int | None = None, offset: int = 0) -> list[PartyAssessment]:
    query = select(PartyAssessment).order_by(PartyAssessment.half_year, PartyAssessment.score.desc(),
                                             PartyAssessment.resident_id)
    if half_year:
        query = query.where(PartyAssessment.half_year == half_year)
    if village_id:
        query = query.join(Household, Household.household_id == PartyAssessment.household_id).where(
            Household.village_id == village_id)
    return list(session.execute(paged(query, limit, offset)).scalars())


def unassessed_households(session: Session, half_year: str, village_id: str | None = None) -> list[Household]:
    """Party-member households with no assessment yet this half year: the cadres' to-do list."""
    done = select(PartyAssessment.household_id).where(PartyAssessment.half_year == half_year)
    query = select(Household).where(Household.party_member.is_(True), Household.household_id.not_in(done))
    if village_id:
        query = query.where(Household.village_id == village_id)
    return list(session.execute(query.order_by(Household.household_id)).scalars())
