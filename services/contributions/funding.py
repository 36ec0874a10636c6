"""出资 funding: "向上争一点、能人帮一点、群众筹一点".

A project (``projects``) plans a mix of higher-level grant, sponsors (能人) and residents'
crowd-funding (群众筹). A funding round (a town or county budget for a period) collects requests; closing it hands
them to the rules service's participation-first rule (参与优先, "哪个垸组积极性高，哪个垸组先
立项"), whose ``funding_round.allocated`` decision this module applies. A funding-mix rule may
hold a grant until the project's crowd share is high enough; the grant is released when the
crowd money arrives: :func:`money_arrived` is the one hook through which funding reacts to
money recorded in the ledger (``recording`` calls it; the ledger itself knows nothing of funding).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import money, outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, IllegalTransition, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.policy import decide, rule_ref

from . import ledger, models, participation, projects
from .places import hamlet_chain

def _held(session: Session, project_id: str) -> list[models.FundingRequest]:
    return list(session.scalars(select(models.FundingRequest).where(
        models.FundingRequest.project_id == project_id,
        models.FundingRequest.grant_status == "held").order_by(models.FundingRequest.id)))


def release_decision(session: Session, policy, project_id: str, crowd_delta: Decimal = Decimal(0)) -> dict | None:
    """Asked before money is written: would held grants be released once it is in?"""
    if not _held(session, project_id):
        return None
    return _mix_decision(session, policy, session.get(models.Project, project_id), crowd_delta)


def money_arrived(session: Session, now, project_id: str, decision: dict | None) -> None:
    """The hook: money on a project was recorded (or reversed). Release held grants if the
    funding-mix rule said so (``decision``, from :func:`release_decision`), then see whether
    the project is funded."""
    project = session.get(models.Project, project_id)
    if decision is not None and decision.get("outcome") == "release":
        for request in _held(session, project_id):
            entry = _release(session, now, request, project, rule_ref(decision))
            outbox.emit(session, "grant.released", {
                "round_id": request.round_id, "request_id": request.id, "project_id": project.id,
                "hamlet_id": request.hamlet_id, "amount": money.text(request.granted),
                "entry_id": entry.id, "rule": request.mix_rule,
            }, subject=f"project/{project.id}")
    projects.check_funded(session, now, project)


def _granted(item: dict):
    """A ranking's grant: exact yuan, as the rules service must give it (else a broken contract)."""
    return money.parse(item.get("granted") or 0)


def _mix_decision(session: Session, policy, project: models.Project, crowd_delta: Decimal = Decimal(0)) -> dict:
    """资金结构: the funding-mix rule on the project's crowd share (crowd money over budget)."""
    crowd = projects.raised(session, project.id)["crowd"] + crowd_delta
    share = float(crowd / project.budget) if project.budget else 0.0
    return decide(policy, "funding_mix", {"crowd_share": min(max(share, 0.0), 1.0),
                                          "grant_requested": True}, outcomes={"release", "hold"})


def _release(session: Session, now, request: models.FundingRequest, project, mix_rule: dict):
    """向上争一点: the grant enters the ledger as money from the higher level."""
    entry = ledger.append(session, now, {
        "kind": "money", "amount": request.granted, "source": "grant", "project_id": project.id,
        "note": f"funding round {request.round_id}, request {request.id}",
    }, None, None, request.hamlet_id, grant_request_id=request.id)
    request.grant_status = "released"
    request.grant_entry_id = entry.id
    request.mix_rule = mix_rule
    return entry


# -- funding rounds ----------------------------------------------------------------------------

def open_round(session: Session, now, data: dict) -> models.FundingRound:
    if session.get(models.FundingRound, data["round_id"]) is not None:
        raise Conflict({"message": f"funding round {data['round_id']} already exists",
                        "round_id": data["round_id"]})
    if data["level"] == "town":
        get_or_404(session, models.Town, data["area_id"], "town")
    funding_round = models.FundingRound(
        id=data["round_id"], name=data["name"], level=data["level"], area_id=data["area_id"],
        budget=data["budget"], status="open", opened_at=now)
    session.add(funding_round)
    session.flush()
    return funding_round


def _round(session: Session, round_id: str) -> models.FundingRound:
    return get_or_404(session, models.FundingRound, round_id, "funding round")


def _in_area(session: Session, funding_round: models.FundingRound, hamlet_id: str) -> bool:
    if funding_round.level != "town":
        return True  # a county round takes every hamlet of the county this system serves
    _hamlet, village = hamlet_chain(session, hamlet_id)
    return village.town_id == funding_round.area_id


def submit_request(session: Session, now, round_id: str, data: dict) -> models.FundingRequest:
    funding_round = _round(session, round_id)
    if funding_round.status != "open":
        raise IllegalTransition.of("funding round", funding_round.status, "submit a request", [])
    project = get_or_404(session, models.Project, data["project_id"], "project")
    hamlet_id = data.get("hamlet_id") or project.hamlet_id
    errors = {}
    if hamlet_id is None:
        errors["hamlet_id"] = ["a village project's request names the hamlet asking for it"]
    else:
        hamlet, _village = hamlet_chain(session, hamlet_id)
        if hamlet.village_id != project.village_id or (project.hamlet_id and project.hamlet_id != hamlet_id):
            errors["hamlet_id"] = [f"project {project.id} is not a project of hamlet {hamlet_id}"]
        elif not _in_area(session, funding_round, hamlet_id):
            errors["hamlet_id"] = [f"hamlet {hamlet_id} is outside the round's {funding_round.level} {funding_round.area_id}"]
    if data["amount"] <= 0:
        errors["amount"] = ["a positive amount of yuan"]
    elif data["amount"] > project.budget:
        errors["amount"] = [f"more than the project's budget {money.text(project.budget)}"]
    if errors:
        raise ValidationFailed.from_messages(errors)
    if session.scalar(select(models.FundingRequest.id).where(
            models.FundingRequest.round_id == round_id,
            models.FundingRequest.project_id == project.id)) is not None:
        raise Conflict({"message": f"project {project.id} already has a request in round {round_id}",
                        "round_id": round_id, "project_id": project.id})
    request = models.FundingRequest(
        id=new_id("fr"), round_id=round_id, hamlet_id=hamlet_id, project_id=project.id,
        amount=data["amount"], requested_at=now)
    session.add(request)
    session.flush()
    return request


def requests_of(session: Session, round_id: str) -> list[models.FundingRequest]:
    return list(session.scalars(select(models.FundingRequest).where(
        models.FundingRequest.round_id == round_id)
        .order_by(models.FundingRequest.requested_at, models.FundingRequest.id)))


def close_round(session: Session, policy, now, round_id: str, override: dict | None = None) -> models.FundingRound:
    """Close the round: each request carries its hamlet's participation rate as of now."""
    funding_round = _round(session, round_id)
    if funding_round.status != "open":
        raise IllegalTransition.of("funding round", funding_round.status, "close", ["open"])
    requests = requests_of(session, round_id)
    if override is not None:
        ids = {r.id for r in requests}
        order = override["order"]
        unknown = [i for i in order if i not in ids]
        if unknown or len(set(order)) != len(order):
            raise ValidationFailed.from_messages({"override.order": [
                f"not requests of this round, or repeated: {', '.join(unknown) or 'duplicates'}"]})
    rule = participation.rules(policy)
    facts = []
    for request in requests:
        request.participation_rate = participation.current_rate(session, policy, request.hamlet_id, now, rule)
        request.urgency = urgency_of(session, request)
        facts.append({
            "request_id": request.id, "hamlet_id": request.hamlet_id, "project_id": request.project_id,
            "amount": money.text(request.amount), "participation_rate": request.participation_rate,
            "urgency": request.urgency, "requested_at": iso(request.requested_at),
        })
    funding_round.status = "closed"
    funding_round.closed_at = now
    funding_round.override = override
    data = {"round_id": round_id, "budget": money.text(funding_round.budget), "closed_at": iso(now),
            "requests": facts}
    if override is not None:
        data["override"] = override
    outbox.emit(session, "funding_round.closed", data, subject=f"funding_round/{round_id}")
    return funding_round


def urgency_of(session: Session, request: models.FundingRequest) -> float:
    """最紧迫: the share of the hamlet's households that endorsed the project's motion (or the
    suggestions it came from), 0 for a project without a motion or endorsements; at most 1."""
    endorsing = projects.endorsers(session, session.get(models.Project, request.project_id))
    households = participation.roster_size(session, request.hamlet_id)
    return min(1.0, endorsing / households) if endorsing and households else 0.0


def urgency_changed(session: Session, data: dict) -> models.MotionUrgency:
    """``motion.urgency_changed`` from proposals: keep the newest count of a motion's endorsers."""
    row = session.get(models.MotionUrgency, data["motion_id"])
    if row is None:
        row = models.MotionUrgency(motion_id=data["motion_id"], village_id=data["village_id"],
                                   hamlet_id=data.get("hamlet_id"), endorsing_households=0,
                                   updated_at=data["at"])
        session.add(row)
    elif row.updated_at > data["at"]:
        return row   # an older announcement arriving late changes nothing
    row.endorsing_households = data["endorsing_households"]
    row.updated_at = data["at"]
    session.flush()
    return row


def apply_allocation(session: Session, policy, now, data: dict) -> dict:
    """Apply the rules service's ``funding_round.allocated`` decision to the round's requests.

    A funded request's grant is released into the ledger, unless the funding-mix rule holds it
    until the project's crowd share is met. Applying the same decision twice changes nothing.
    """
    funding_round = _round(session, data["round_id"])
    if funding_round.status == "allocated":
        return {"round_id": funding_round.id, "applied": False}
    if funding_round.status != "closed":
        raise IllegalTransition.of("funding round", funding_round.status, "apply an allocation", ["closed"])
    requests = {r.id: r for r in requests_of(session, funding_round.id)}
    ranking = data["ranking"]
    unknown = [item["request_id"] for item in ranking if item["request_id"] not in requests]
    if unknown:
        raise ValidationFailed.from_messages({"ranking": [f"not requests of round {funding_round.id}: {unknown}"]})
    rule = dict(data["rule"])
    # Every funding-mix answer first, then the writes (see ledger._prepare for why).
    mix = {item["request_id"]: _mix_decision(session, policy, session.get(
        models.Project, requests[item["request_id"]].project_id))
        for item in ranking if item["funded"] and _granted(item) > 0}
    for item in sorted(ranking, key=lambda i: i["rank"]):
        request = requests[item["request_id"]]
        project = session.get(models.Project, request.project_id)
        granted = _granted(item)
        request.rank = item["rank"]
        request.funded = bool(item["funded"]) and granted > 0
        request.granted = granted
        request.reason = item.get("reason") or ""
        mix_rule = None
        if request.funded:
            decision = mix[request.id]
            mix_rule = rule_ref(decision)
            if decision.get("outcome") == "release":
                _release(session, now, request, project, mix_rule)
            else:
                request.grant_status = "held"
                request.mix_rule = mix_rule
        else:
            request.grant_status = "unfunded"
        outbox.emit(session, "funding.allocated", {
            "round_id": funding_round.id, "request_id": request.id, "project_id": project.id,
            "hamlet_id": request.hamlet_id, "rank": request.rank, "funded": request.funded,
            "granted": money.text(granted), "status": request.grant_status, "reason": request.reason,
            "rule": rule, "mix_rule": mix_rule,
        }, subject=f"project/{project.id}")
        if request.grant_status == "released":
            projects.check_funded(session, now, project)
    funding_round.status = "allocated"
    funding_round.allocated_at = now
    funding_round.remaining = money.parse(data.get("remaining") or 0)
    funding_round.rule = rule
    return {"round_id": funding_round.id, "applied": True}


def round_view(session: Session, round_id: str) -> dict:
    funding_round = _round(session, round_id)
    return {
        "round_id": funding_round.id, "name": funding_round.name, "level": funding_round.level,
        "area_id": funding_round.area_id, "budget": money.text(funding_round.budget),
        "status": funding_round.status,
        "opened_at": iso(funding_round.opened_at), "closed_at": iso(funding_round.closed_at),
        "remaining": money.text(funding_round.remaining), "rule": funding_round.rule,
        "override": funding_round.override,
        "requests": [request_view(r) for r in requests_of(session, round_id)],
    }


def request_view(request: models.FundingRequest) -> dict:
    return {
        "request_id": request.id, "round_id": request.round_id, "hamlet_id": request.hamlet_id,
        "project_id": request.project_id, "amount": money.text(request.amount),
        "requested_at": iso(request.requested_at),
        "participation_rate": request.participation_rate, "urgency": request.urgency, "rank": request.rank,
        "funded": request.funded, "granted": money.text(request.granted), "reason": request.reason,
        "grant_status": request.grant_status,
    }
