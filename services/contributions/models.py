"""Tables of the contributions service: the roster, the 四出 ledger, funding, participation and
the 四个一律 demolition register.

The ledger is append-only: an entry is never updated or deleted (a guard below refuses it);
a mistake is corrected by a reversing entry that negates the original.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        event)
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import make_base
from services.kernel.types import Hundredths, Money, UTCDateTime

Base = make_base()

Quantity = Hundredths(Decimal("9999999999.99"))  # hours, m²: exact, like money


# -- roster 花名册 -------------------------------------------------------------------------

class Town(Base):
    """镇/乡 town."""

    __tablename__ = "town"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Village(Base):
    """村 village."""

    __tablename__ = "village"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    town_id: Mapped[str] = mapped_column(ForeignKey("town.id"), index=True)


class Hamlet(Base):
    """垸组 hamlet (village group)."""

    __tablename__ = "hamlet"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)


class Household(Base):
    """户 household; ``hub_household_id`` is its 1+10 党员中心户 party-member hub household."""

    __tablename__ = "household"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"), index=True)
    head_name: Mapped[str] = mapped_column(String(200))
    hub_household_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)       # 家庭人口
    note: Mapped[str | None] = mapped_column(Text, nullable=True)          # 备注


class Resident(Base):
    """村民 resident: party membership, its four categories, and the cadre (村"两委") flag."""

    __tablename__ = "resident"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    party_category: Mapped[str | None] = mapped_column(String(32), nullable=True)
    cadre: Mapped[bool] = mapped_column(Boolean, default=False)
    sex: Mapped[str | None] = mapped_column(String(8), nullable=True)      # male | female
    # 身份证号 and 联系电话: encrypted (AES-GCM), a keyed hash (HMAC) to find them again, and the
    # masked form that is all anyone sees by default. Never in events, logs or the board.
    id_number_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(32), nullable=True)
    phone_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phone_masked: Mapped[str | None] = mapped_column(String(32), nullable=True)


# -- projects and funding 出资 ----------------------------------------------------------------

class Project(Base):
    """An approved project with its budget and planned funding mix (grant / sponsor / crowd)."""

    __tablename__ = "project"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(16))              # hamlet | village
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    hamlet_id: Mapped[str | None] = mapped_column(ForeignKey("hamlet.id"), nullable=True, index=True)
    budget: Mapped[Decimal] = mapped_column(Money())
    plan_grant: Mapped[Decimal] = mapped_column(Money())
    plan_sponsor: Mapped[Decimal] = mapped_column(Money())
    plan_crowd: Mapped[Decimal] = mapped_column(Money())
    motion_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="approved")  # approved | funded
    funded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    leadership: Mapped[str | None] = mapped_column(String(16), nullable=True)  # ok | flag
    leadership_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    leadership_rule: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # 党员干部带头上: the first ``first_n`` people who gave labour, in order ([{person, entry_id,
    # party_member, cadre}]); null until first needed (then read from the ledger once).
    first_contributors: Mapped[list | None] = mapped_column(JSON, nullable=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FundingRound(Base):
    """A town or county budget for a period that collects funding requests."""

    __tablename__ = "funding_round"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))               # town | county
    area_id: Mapped[str] = mapped_column(String(64))
    budget: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed | allocated
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    override: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    remaining: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    rule: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class FundingRequest(Base):
    """A hamlet's request for money from a round, and what the allocation gave it."""

    __tablename__ = "funding_request"
    __table_args__ = (UniqueConstraint("round_id", "project_id"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("funding_round.id"), index=True)
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"))
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    participation_rate: Mapped[float | None] = mapped_column(nullable=True)  # at close
    # 最紧迫: share of the hamlet's households that endorsed the project's motion, at close
    urgency: Mapped[float | None] = mapped_column(nullable=True)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    funded: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    granted: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # released: the grant is in the ledger; held: the funding-mix rule waits for crowd money
    grant_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    grant_entry_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mix_rule: Mapped[dict | None] = mapped_column(JSON, nullable=True)


# -- the ledger of the four contributions 四出 --------------------------------------------------

class LedgerEntry(Base):
    """One 出人/出资/出力/出物 entry; append-only, signed (a reversal negates its original)."""

    __tablename__ = "ledger_entry"
    __table_args__ = (Index("ix_ledger_entry_hamlet_recorded", "hamlet_id", "recorded_at"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # recording order
    id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))                # people | money | labour | materials
    household_id: Mapped[str | None] = mapped_column(ForeignKey("household.id"), nullable=True, index=True)
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("project.id"), nullable=True, index=True)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)       # people
    amount: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)      # money
    source: Mapped[str | None] = mapped_column(String(16), nullable=True)     # money
    quantity: Mapped[Decimal | None] = mapped_column(Quantity, nullable=True)  # labour
    unit: Mapped[str | None] = mapped_column(String(8), nullable=True)        # hours | days
    hours: Mapped[Decimal | None] = mapped_column(Quantity, nullable=True)    # labour, in hours
    items: Mapped[list | None] = mapped_column(JSON, nullable=True)           # materials
    land_area_m2: Mapped[Decimal | None] = mapped_column(Quantity, nullable=True)
    valuation: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    reused_on_site: Mapped[bool] = mapped_column(Boolean, default=False)
    demolition_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    grant_request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # a rule's flag set when the entry was written ({code, reason, rule}): labour from another
    # hamlet, when rules/labour.yaml says other_hamlet: flag
    flag: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reversal_of: Mapped[str | None] = mapped_column(ForeignKey("ledger_entry.id"), unique=True, nullable=True)


@event.listens_for(LedgerEntry, "before_update")
@event.listens_for(LedgerEntry, "before_delete")
def _append_only(_mapper, _connection, target):
    raise RuntimeError(f"ledger entry {target.id} is append-only: record a reversing entry instead")


# -- participation 参与率 -------------------------------------------------------------------------

class Attendance(Base):
    """A household's presence at a meeting or activity (from proposals' events)."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("kind", "ref_id", "household_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))                # meeting | activity
    ref_id: Mapped[str] = mapped_column(String(64))
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    hamlet_id: Mapped[str] = mapped_column(String(64), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Participation(Base):
    """The last published participation rate of a hamlet in a period."""

    __tablename__ = "participation"
    hamlet_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)  # 2026Q2 | 2026H1 | 2026 (services.kernel.periods)
    participating: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the kinds counted ("contribution,meeting"): while the rule keeps them, one household's
    # entry moves the count by at most one, with no recount (participation.count_household)
    counts: Mapped[str | None] = mapped_column(String(64), nullable=True)


class MotionUrgency(Base):
    """优先规划实施群众最关心、最紧迫的项目: how many households endorsed a motion (or the
    suggestions it came from), as proposals last announced (``motion.urgency_changed``)."""

    __tablename__ = "motion_urgency"
    motion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    village_id: Mapped[str] = mapped_column(String(64))
    hamlet_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    endorsing_households: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- demolitions 四个一律 -----------------------------------------------------------------------

class Demolition(Base):
    """A removed structure: never compensated, its land goes to public use."""

    __tablename__ = "demolition"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    structure_type: Mapped[str] = mapped_column(String(32))
    area_m2: Mapped[Decimal] = mapped_column(Quantity)
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"), index=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("project.id"), nullable=True)
    demolished_on: Mapped[str] = mapped_column(String(10))       # ISO date
    parcel_id: Mapped[str] = mapped_column(String(64))
    structure_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # from the register
    rule: Mapped[dict] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Parcel(Base):
    """A public-use parcel: cleared land after a demolition, or a donated vacant plot 余基空坪."""

    __tablename__ = "parcel"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"), index=True)
    area_m2: Mapped[Decimal] = mapped_column(Quantity)
    origin: Mapped[str] = mapped_column(String(16))              # demolition | donation
    origin_id: Mapped[str] = mapped_column(String(64))
    land_use: Mapped[str] = mapped_column(String(32), default="public")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # 拆后土地一律用于公益建设: the project that puts the cleared land to public use
    project_id: Mapped[str | None] = mapped_column(ForeignKey("project.id"), nullable=True, index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    assigned_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Structure(Base):
    """四个一律 register: a structure to be removed (猪圈牛栏旱厕一律拆除, or an illegal or old
    building the village listed), standing until a demolition removes it."""

    __tablename__ = "structure"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    structure_type: Mapped[str] = mapped_column(String(32))
    area_m2: Mapped[Decimal | None] = mapped_column(Quantity, nullable=True)
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"), index=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"))
    location: Mapped[str] = mapped_column(Text, default="")
    must_remove: Mapped[bool] = mapped_column(Boolean)           # 一律拆除, by the demolition rule
    status: Mapped[str] = mapped_column(String(16), default="standing")  # standing | removed
    demolition_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rule: Mapped[dict] = mapped_column(JSON)
    listed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
