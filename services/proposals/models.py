"""Tables of the proposals service: 五字共谋 co-planning.

Every row that a policy decided keeps the decision's ``rule`` reference (id, version), so the
outcome can always be traced to the policy text that was in force.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.kernel.db import make_base
from services.kernel.types import Money, UTCDateTime

Base = make_base()


Id = lambda **kw: mapped_column(String(64), **kw)  # noqa: E731


class Escalatable:
    """Columns of an item that climbs one level per missed rule deadline (回音墙, 我来提)."""

    level: Mapped[int] = mapped_column(Integer, default=0)
    level_since: Mapped[datetime] = mapped_column(UTCDateTime())   # when it reached this level
    escalated_to: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The last "wait" verdict: no need to ask the rule again before this time, unless the rule
    # file's version has changed since (then check_version differs and it is asked at once).
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    check_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Suggestion(Escalatable, Base):
    """群众建议 a suggestion on the 回音墙 echo wall; every one gets a public answer."""

    __tablename__ = "suggestions"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)
    resident_id: Mapped[str] = Id()
    household_id: Mapped[str | None] = Id(nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)         # open | answered
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # adopted|merged|declined
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = Id(nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    motion_id: Mapped[str | None] = mapped_column(ForeignKey("motions.id"), nullable=True)


class Motion(Base):
    """垸组提议 a hamlet motion (or village proposal) and where it is in its lifecycle."""

    __tablename__ = "motions"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)
    scope: Mapped[str] = mapped_column(String(16))                      # hamlet | village
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    estimated_budget: Mapped[Decimal] = mapped_column(Money())
    contribution_kinds: Mapped[list] = mapped_column(JSON, default=list)  # people|money|labour|materials
    state: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = Id()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # 重大事务 class, decided by the major_matter rule when the motion is raised.
    matter: Mapped[str | None] = mapped_column(String(16), nullable=True)   # major | ordinary
    required_bodies: Mapped[list | None] = mapped_column(JSON, nullable=True)
    matter_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    matter_rule: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # 事务类别: what kind of matter (major_matter's ``kind``); ``other`` when not said
    kind: Mapped[str] = mapped_column(String(32), default="other")
    # 最紧迫: distinct households that endorsed the motion or a suggestion it came from
    endorsing_households: Mapped[int] = mapped_column(Integer, default=0)

    steps: Mapped[list[MotionStep]] = relationship(order_by="MotionStep.seq", back_populates="motion")
    suggestions: Mapped[list[Suggestion]] = relationship(order_by="Suggestion.filed_at")


class MotionStep(Base):
    """One lifecycle step of a motion: who took it, when and why."""

    __tablename__ = "motion_steps"
    __table_args__ = (UniqueConstraint("motion_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    motion_id: Mapped[str] = mapped_column(ForeignKey("motions.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_state: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = Id()
    why: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    motion: Mapped[Motion] = relationship(back_populates="steps")


class Meeting(Base):
    """户主会/垸组会/场子会/院子会/村民会议/党员会/代表会 with agenda, attendance and minutes."""

    __tablename__ = "meetings"
    id: Mapped[str] = Id(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who may attend: the body's members (people) and, where it counts by household, households.
    members: Mapped[int | None] = mapped_column(Integer, nullable=True)
    households: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16))                     # scheduled | held
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = Id()

    agenda: Mapped[list[AgendaItem]] = relationship(order_by="AgendaItem.position", cascade="all, delete-orphan")
    attendees: Mapped[list[Attendance]] = relationship(
        primaryjoin="Attendance.meeting_id == Meeting.id", order_by="Attendance.id",
        cascade="all, delete-orphan")


class AgendaItem(Base):
    __tablename__ = "meeting_agenda"
    __table_args__ = (UniqueConstraint("meeting_id", "motion_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), index=True)
    motion_id: Mapped[str] = mapped_column(ForeignKey("motions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class Activity(Base):
    """学 study session, 看 visit or comparison, 讲 talk: recorded like a meeting."""

    __tablename__ = "activities"
    id: Mapped[str] = Id(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))                       # learn | look | talk
    format: Mapped[str] = mapped_column(String(32), default="")         # e.g. study_session, visit
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)
    topic: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = Id()

    attendees: Mapped[list[Attendance]] = relationship(
        primaryjoin="Attendance.activity_id == Activity.id", order_by="Attendance.id",
        cascade="all, delete-orphan")


class Attendance(Base):
    """One attendee of a meeting or an activity: a resident, a household, or both."""

    __tablename__ = "attendance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("meetings.id"), nullable=True, index=True)
    activity_id: Mapped[str | None] = mapped_column(ForeignKey("activities.id"), nullable=True, index=True)
    resident_id: Mapped[str | None] = Id(nullable=True)
    household_id: Mapped[str | None] = Id(nullable=True)


class Vote(Base):
    """A body's vote on a motion at a meeting, with the quorum rule's verdict."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("meeting_id", "motion_id"),)
    id: Mapped[str] = Id(primary_key=True)
    motion_id: Mapped[str] = mapped_column(ForeignKey("motions.id"), index=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), index=True)
    body: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))                      # ballots | tally
    members: Mapped[int] = mapped_column(Integer)
    present: Mapped[int] = mapped_column(Integer)
    votes_for: Mapped[int] = mapped_column(Integer)
    votes_against: Mapped[int] = mapped_column(Integer)
    abstain: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))                    # approved|rejected|no_quorum
    counts: Mapped[bool] = mapped_column(Boolean)                       # a body the matter requires
    reason: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[dict] = mapped_column(JSON)
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    recorded_by: Mapped[str] = Id()
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    ballots: Mapped[list[Ballot]] = relationship(order_by="Ballot.id", cascade="all, delete-orphan")
    motion: Mapped[Motion] = relationship()


class Ballot(Base):
    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("vote_id", "voter_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vote_id: Mapped[str] = mapped_column(ForeignKey("votes.id"), index=True)
    voter_id: Mapped[str] = Id()
    choice: Mapped[str] = mapped_column(String(8))                      # for | against | abstain


class Report(Escalatable, Base):
    """大事小事我来提 a resident's report of a problem, until the resident confirms it fixed."""

    __tablename__ = "reports"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)
    resident_id: Mapped[str] = Id()
    household_id: Mapped[str | None] = Id(nullable=True)
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16), index=True)          # filed|assigned|resolved|confirmed
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    assignee_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    assignee_id: Mapped[str | None] = Id(nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    history: Mapped[list] = mapped_column(JSON, default=list)           # [{action, from, to, by, at, why}]


class GoodDeed(Base):
    """好人好事我来讲 a good deed told by a resident; once verified it becomes points."""

    __tablename__ = "good_deeds"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str] = Id(index=True)
    household_id: Mapped[str] = Id()
    resident_id: Mapped[str | None] = Id(nullable=True)
    deed_code: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), index=True)          # reported|verified|rejected
    reported_by: Mapped[str] = Id()
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = Id(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    why: Mapped[str | None] = mapped_column(Text, nullable=True)


class Endorsement(Base):
    """群众最关心、最紧迫: a household's endorsement of a suggestion or a motion, one per household."""

    __tablename__ = "endorsements"
    __table_args__ = (UniqueConstraint("target_type", "target_id", "household_id"),)
    id: Mapped[str] = Id(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16))     # suggestion | motion
    target_id: Mapped[str] = Id(index=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True)
    household_id: Mapped[str] = Id()
    endorsed_by: Mapped[str] = Id()
    note: Mapped[str] = mapped_column(Text, default="")
    endorsed_at: Mapped[datetime] = mapped_column(UTCDateTime())
