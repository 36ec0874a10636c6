"""Tables of the management service: 三线共管 co-management.

Rows a policy decided keep the decision's rule reference (id, version). Actors (``*_by``) are
explicit resident or cadre ids until the identity service vouches for them.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.kernel import ids
from services.kernel.db import make_base
from services.kernel.types import UTCDateTime

Base = make_base()


Id = lambda **kw: mapped_column(String(ids.MAX_LENGTH), **kw)  # noqa: E731
Name = lambda **kw: mapped_column(String(100), **kw)  # noqa: E731


# ---- 组织领管 who manages what -------------------------------------------------------------

class Body(Base):
    """党员志愿服务队, 五会一队, 人居环境监督小组: a body with members and a term."""

    __tablename__ = "bodies"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)   # null: the whole village
    kind: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    elected_at_meeting: Mapped[str | None] = Id(nullable=True)      # the meeting that chose it
    plaque_awarded_by: Mapped[str | None] = Id(nullable=True)        # 授牌
    plaque_awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    registered_by: Mapped[str] = Id()
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    members: Mapped[list["BodyMember"]] = relationship(
        back_populates="body", order_by="BodyMember.id", cascade="all, delete-orphan")


class BodyMember(Base):
    __tablename__ = "body_members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    body_id: Mapped[str] = mapped_column(ForeignKey("bodies.id"), index=True)
    resident_id: Mapped[str] = Id(index=True)
    name: Mapped[str] = Name()
    role: Mapped[str] = mapped_column(String(40))          # chair | member | ...
    household_id: Mapped[str | None] = Id(nullable=True)
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[Body] = relationship(back_populates="members")


class Area(Base):
    """A road stretch or public area of a hamlet: 房前屋后自己管, 公共区域大家管."""

    __tablename__ = "areas"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))          # road | public_area
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # "大家的路大家管": the households that share this stretch with its post
    shared_by: Mapped[list] = mapped_column(JSON, default=list)


class Post(Base):
    """公益性岗位 a public-welfare post: 定岗定责, 专人专管 — one named person, duties, an area."""

    __tablename__ = "posts"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    holder_resident_id: Mapped[str] = Id(index=True)
    holder_name: Mapped[str] = Name()
    holder_household_id: Mapped[str | None] = Id(nullable=True)
    duties: Mapped[list] = mapped_column(JSON)              # duty codes: road_upkeep, facility_upkeep...
    duty_text: Mapped[str] = mapped_column(Text, default="")
    area_id: Mapped[str | None] = mapped_column(ForeignKey("areas.id"), nullable=True, index=True)
    schedule: Mapped[list] = mapped_column(JSON, default=list)   # weekdays on duty
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_by: Mapped[str] = Id()
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DutyLog(Base):
    """A post's duty done on one of its scheduled days (专人专管, and it counts as participation)."""

    __tablename__ = "duty_logs"
    __table_args__ = (UniqueConstraint("post_id", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    logged_by: Mapped[str] = Id()
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Assignment(Base):
    """A report routed to its post or body; its times give workload and response times."""

    __tablename__ = "assignments"
    report_id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    household_id: Mapped[str | None] = Id(nullable=True)
    assignee_type: Mapped[str] = mapped_column(String(24), index=True)
    assignee_id: Mapped[str] = Id(index=True)
    assignee_name: Mapped[str] = mapped_column(String(200))
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[int] = mapped_column(Integer)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    routed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), index=True)   # open | resolved | closed
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalated_to: Mapped[str | None] = mapped_column(String(16), nullable=True)


# ---- 管护 keeping what was built -----------------------------------------------------------

class Facility(Base):
    """A shared facility or piece of equipment, with its custodian and caretakers."""

    __tablename__ = "facilities"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    custodian_resident_id: Mapped[str | None] = Id(nullable=True)
    custodian_name: Mapped[str | None] = Name(nullable=True)
    caretakers: Mapped[list] = mapped_column(JSON, default=list)   # [{resident_id, name, duty}]
    motion_id: Mapped[str | None] = Id(nullable=True, unique=True)  # the project it came from
    phase: Mapped[str] = mapped_column(String(24))    # awaiting_caretakers | in_upkeep
    condition: Mapped[str] = mapped_column(String(16))   # working | faulty
    registered_by: Mapped[str] = Id()
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UpkeepTask(Base):
    __tablename__ = "upkeep_tasks"
    id: Mapped[str] = Id(primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    assignee_resident_id: Mapped[str] = Id()
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by: Mapped[str | None] = Id(nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class FaultReport(Base):
    __tablename__ = "fault_reports"
    id: Mapped[str] = Id(primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = Id()
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fixed_by: Mapped[str | None] = Id(nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


# ---- 1+10 党员联户 ---------------------------------------------------------------------------

class Household(Base):
    """户 read model from ``household.registered`` (contributions owns the roster)."""

    __tablename__ = "households"
    household_id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str] = Id(index=True)
    head_name: Mapped[str] = Name()
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    roster_hub_id: Mapped[str | None] = Id(nullable=True)   # the link as the roster knows it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PartyGroup(Base):
    """垸组党小组 the party group of a hamlet, under the village 党支部."""

    __tablename__ = "party_groups"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)       # the 党支部 is the village's
    hamlet_id: Mapped[str] = Id(index=True, unique=True)
    leader_resident_id: Mapped[str] = Id()
    leader_name: Mapped[str] = Name()


class Hub(Base):
    """党员中心户: a hub household, its party member and its three elected roles."""

    __tablename__ = "hubs"
    household_id: Mapped[str] = Id(primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("party_groups.id"), index=True)
    hamlet_id: Mapped[str] = Id(index=True)
    village_id: Mapped[str] = Id(index=True)
    party_member_id: Mapped[str] = Id(index=True)
    party_member_name: Mapped[str] = Name()
    elected_at_meeting: Mapped[str | None] = Id(nullable=True)   # 大家推选
    head: Mapped[dict | None] = mapped_column(JSON, nullable=True)           # 户长 {resident_id, name}
    eco_manager: Mapped[dict | None] = mapped_column(JSON, nullable=True)    # 生态环境管理员
    mediator: Mapped[dict | None] = mapped_column(JSON, nullable=True)       # 矛盾纠纷调解员
    elected_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Link(Base):
    """群众 household linked to a hub: names the party member responsible for it."""

    __tablename__ = "links"
    household_id: Mapped[str] = Id(primary_key=True)
    hub_household_id: Mapped[str] = mapped_column(ForeignKey("hubs.household_id"), index=True)
    linked_by: Mapped[str] = Id()
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContactVisit(Base):
    __tablename__ = "contact_visits"
    id: Mapped[str] = Id(primary_key=True)
    hub_household_id: Mapped[str] = Id(index=True)
    party_member_id: Mapped[str] = Id(index=True)
    household_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str] = Id(index=True)
    village_id: Mapped[str] = Id()
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    note: Mapped[str] = mapped_column(Text, default="")


# ---- 人居环境监督 supervision and 一月一评比 ------------------------------------------------

class Inspection(Base):
    __tablename__ = "inspections"
    id: Mapped[str] = Id(primary_key=True)
    body_id: Mapped[str] = mapped_column(ForeignKey("bodies.id"), index=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str] = Id(index=True)
    area_id: Mapped[str | None] = Id(nullable=True)
    inspectors: Mapped[list] = mapped_column(JSON)          # resident ids, members of the body
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class FixOrder(Base):
    __tablename__ = "fix_orders"
    id: Mapped[str] = Id(primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), index=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str] = Id(index=True)
    area_id: Mapped[str | None] = Id(nullable=True)
    finding: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(20))
    responsible_type: Mapped[str] = mapped_column(String(24))   # public_welfare_post | household | body
    responsible_id: Mapped[str] = Id(index=True)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    recheck_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    state: Mapped[str] = mapped_column(String(16), index=True)   # open | fixed | passed
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fixed_note: Mapped[str] = mapped_column(Text, default="")
    rechecked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rechecked_by: Mapped[str | None] = Id(nullable=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Rating(Base):
    """一月一评比: one rating of a village's hamlets per cycle."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("village_id", "period"),)
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    period: Mapped[str] = mapped_column(String(10))
    scores: Mapped[list] = mapped_column(JSON)              # [{hamlet_id, score, rank}]
    rated_by: Mapped[str] = Id()
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rule_version: Mapped[int] = mapped_column(Integer)


# ---- 全民共管 everyone manages -------------------------------------------------------------

class CleaningDay(Base):
    """清洁日: scheduled on the rule's weekday; turnout per household."""

    __tablename__ = "cleaning_days"
    __table_args__ = (UniqueConstraint("hamlet_id", "day"),)
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str] = Id(index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(16))          # scheduled | held
    rule_version: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str | None] = Id(nullable=True)
    turnout: Mapped[dict] = mapped_column(JSON, default=dict)   # household_id -> people


class HelpCall(Base):
    """我来帮: an urgent matter residents sign up for, or an emergency cadres mobilise for."""

    __tablename__ = "help_calls"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(24))   # urgent | epidemic | flood | disaster
    title: Mapped[str] = mapped_column(String(200))
    called_by: Mapped[str] = Id()
    called_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))   # open | closed
    helpers: Mapped[list] = mapped_column(JSON, default=list)   # [{resident_id, household_id, hamlet_id, signed_up_at, hours}]


class MediationCase(Base):
    """矛盾纠纷调解: only its parties and mediators may see it."""

    __tablename__ = "mediation_cases"
    id: Mapped[str] = Id(primary_key=True)
    village_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str | None] = Id(nullable=True)
    parties: Mapped[list] = mapped_column(JSON)      # resident ids
    mediators: Mapped[list] = mapped_column(JSON)    # resident ids
    level: Mapped[str] = mapped_column(String(24))   # hub_mediator | mediation_council | five_elders
    summary: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))   # open | agreed | failed
    agreement: Mapped[str] = mapped_column(Text, default="")
    follow_up_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    history: Mapped[list] = mapped_column(JSON, default=list)
    opened_by: Mapped[str] = Id()
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Participation(Base):
    """A household's co-management activity (kind weighted by rules/participation.yaml)."""

    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("household_id", "kind", "source_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = Id(index=True)
    hamlet_id: Mapped[str] = Id(index=True)
    village_id: Mapped[str] = Id()
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = Id()
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
