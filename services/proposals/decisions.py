"""定 decide: "大家事，大家定". Votes of the bodies a motion's matter class requires.

A major matter (重大事务, by the major_matter rule) is approved only when BOTH the party
members' meeting (党员会) AND the villagers' representatives' assembly (代表会) approve it; an
ordinary matter by the hamlet meeting (垸组会). Quorum and majority are the quorum rule's:
this module counts heads and hands, the rule judges them.
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel import money, outbox
from services.kernel.clock import iso
from services.kernel.db import get_or_404
from services.kernel.errors import Conflict, invalid
from services.kernel.ids import new_id
from services.kernel.policy import decide, rule_ref

from . import meetings as meetings_mod
from . import motions as motions_mod
from .lifecycle import MEETING, MOTION
from .models import Ballot, Vote

DECISIVE = ("approved", "rejected")


def record_vote(session: Session, policy, now, meeting_id: str, motion_id: str,
                data: dict) -> Vote:
    """Record a body's vote, as individual ``ballots`` or a typed-in ``tally``.

    Most village votes are by show of hands or paper, so a tally is as good as ballots; a
    tally larger than the attendance is refused. Everything is checked before anything is written.
    """
    meeting = meetings_mod.get(session, meeting_id)
    motion = motions_mod.get(session, motion_id)
    if meeting.status != "held":
        raise MEETING.refuse(meeting.status, "vote")
    body = meetings_mod.BODY_OF.get(meeting.kind)
    if body is None:
        raise invalid("meeting_id", f"a {meeting.kind} meeting discusses but does not vote")
    if meeting.members is None:
        raise invalid("meeting_id", "the meeting has no member count, so its quorum cannot be judged")
    if motion.id not in {item.motion_id for item in meeting.agenda}:
        raise invalid("motion_id", "the motion is not on this meeting's agenda")
    if motion.state != "in_deliberation":
        raise MOTION.refuse(motion.state, "vote")
    if session.scalar(select(Vote.id).where(Vote.meeting_id == meeting.id, Vote.motion_id == motion.id)):
        raise Conflict({"message": "this meeting has already voted on this motion",
                        "meeting_id": meeting.id, "motion_id": motion.id})
    decided = _decisive_vote(session, motion.id, body)
    if decided is not None:
        raise Conflict({"message": f"{body} has already {decided.outcome} this motion",
                        "vote_id": decided.id, "body": body})

    present = len(meeting.attendees)
    if data.get("ballots") is not None:
        method, ballots = "ballots", _check_ballots(data["ballots"], meeting)
        counted = Counter(b["choice"] for b in ballots)
        votes_for, against, abstain = counted["for"], counted["against"], counted["abstain"]
    else:
        method, ballots = "tally", []
        tally = data["tally"]
        votes_for, against, abstain = tally["votes_for"], tally["votes_against"], tally["abstain"]
        if votes_for + against + abstain > present:
            raise invalid("tally", f"{votes_for + against + abstain} votes but only {present} attended")

    facts = {**meetings_mod.quorum_facts(meeting, body),
             "votes_for": votes_for, "votes_against": against, "abstain": abstain}
    decision = decide(policy, "quorum", facts, {"approved", "rejected", "no_quorum"})
    vote = Vote(id=new_id("vot"), motion_id=motion.id, meeting_id=meeting.id, body=body,
                method=method, members=meeting.members, present=present, votes_for=votes_for,
                votes_against=against, abstain=abstain, outcome=decision["outcome"],
                counts=body in (motion.required_bodies or []), reason=decision["reason"],
                rule=rule_ref(decision), values=decision["values"],
                recorded_by=data["recorded_by"], recorded_at=now)
    vote.ballots = [Ballot(voter_id=b["voter_id"], choice=b["choice"]) for b in ballots]
    session.add(vote)
    session.flush()
    outbox.emit(session, "vote.recorded", {
        "vote_id": vote.id, "motion_id": motion.id, "meeting_id": meeting.id,
        "village_id": motion.village_id, "hamlet_id": motion.hamlet_id, "body": body,
        "method": method, "members": vote.members, "present": present, "votes_for": votes_for,
        "votes_against": against, "abstain": abstain, "outcome": vote.outcome,
        "counts": vote.counts, "rule": vote.rule, "recorded_by": vote.recorded_by,
        "recorded_at": iso(now)}, subject=motion.id)
    if vote.counts:
        _maybe_decide(session, motion, vote, now)
    return vote


def _check_ballots(ballots: list[dict], meeting) -> list[dict]:
    """Only attendees vote, each once (at a household-heads meeting, one vote per household)."""
    voters = {a.resident_id or a.household_id for a in meeting.attendees}
    seen = set()
    for index, ballot in enumerate(ballots):
        voter = ballot["voter_id"]
        if voter not in voters:
            raise invalid("ballots", f"voter {voter} (ballot {index}) did not attend the meeting")
        if voter in seen:
            raise invalid("ballots", f"voter {voter} voted twice (ballot {index})")
        seen.add(voter)
    return ballots


def _decisive_vote(session, motion_id: str, body: str) -> Vote | None:
    return session.scalar(select(Vote).where(
        Vote.motion_id == motion_id, Vote.body == body, Vote.outcome.in_(DECISIVE))
        .order_by(Vote.recorded_at.desc()).limit(1))


def body_results(session: Session, motion) -> list[dict]:
    """Where each required body stands: its decisive vote, else its latest (no quorum), else none."""
    results = []
    for body in motion.required_bodies or []:
        vote = _decisive_vote(session, motion.id, body) or session.scalar(
            select(Vote).where(Vote.motion_id == motion.id, Vote.body == body)
            .order_by(Vote.recorded_at.desc(), Vote.id.desc()).limit(1))
        results.append({"body": body, "outcome": vote.outcome if vote else None,
                        "vote_id": vote.id if vote else None,
                        "meeting_id": vote.meeting_id if vote else None,
                        "rule": vote.rule if vote else None})
    return results


def verdict(results: list[dict]) -> str | None:
    """Any required body rejecting rejects; approval needs every one of them; else undecided."""
    outcomes = [r["outcome"] for r in results]
    if "rejected" in outcomes:
        return "rejected"
    if outcomes and all(o == "approved" for o in outcomes):
        return "approved"
    return None


def _maybe_decide(session, motion, vote: Vote, now) -> None:
    results = body_results(session, motion)
    outcome = verdict(results)
    if outcome is None:
        return
    why = "; ".join(f"{r['body']} {r['outcome']} (vote {r['vote_id']})" for r in results)
    motions_mod.step(session, motion, "approve" if outcome == "approved" else "reject",
                     vote.recorded_by, why, now, internal=True)
    motion.decided_at = now
    outbox.emit(session, "motion.decided", {
        "motion_id": motion.id, "village_id": motion.village_id, "hamlet_id": motion.hamlet_id,
        "title": motion.title, "outcome": outcome, "matter": motion.matter,
        "rule": motion.matter_rule, "bodies": results, "decided_at": iso(now),
        "estimated_budget": money.text(motion.estimated_budget)}, subject=motion.id)


def get_vote(session: Session, vote_id: str) -> Vote:
    return get_or_404(session, Vote, vote_id, "vote")


def votes_of(session: Session, motion_id: str) -> list[Vote]:
    motions_mod.get(session, motion_id)
    return list(session.scalars(select(Vote).where(Vote.motion_id == motion_id)
                                .order_by(Vote.recorded_at, Vote.id)))
