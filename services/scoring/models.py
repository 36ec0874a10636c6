"""Tables of the scoring service (双向共评 and the inspections of 三线共管).

The points ledger is the truth: ``PointsAccount`` is a cache of the sums of its approved
entries, kept in the same transaction as every entry change and used as the row lock that
serialises spending (``tests/unit/scoring/test_ledger.py`` proves cache == sum).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import make_base, utcnow
from services.kernel.types import Hundredths, Money, UTCDateTime

Base = make_base()

ID = 64  # ids of other services' objects (households, hamlets, residents) are strings


class Household(Base):
    """户 read model of ``household.registered``: geography and the 1+10 hub household link."""

    __tablename__ = "scoring_households"
    household_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    hamlet_id: Mapped[str] = mapped_column(String(ID), index=True)
    village_id: Mapped[str] = mapped_column(String(ID), index=True)
    town_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    head_name: Mapped[str] = mapped_column(String(100))
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    hub_household_id: Mapped[str | None] = mapped_column(String(ID), nullable=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Resident(Base):
    """村民 read model of ``household.registered``'s residents: whether a party member, and the
    category (在职/无职/流动/年老) the party-member assessment reads from the roster."""

    __tablename__ = "scoring_residents"
    resident_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(ID), index=True)
    name: Mapped[str] = mapped_column(String(100))
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    party_category: Mapped[str | None] = mapped_column(String(32), nullable=True)


class PointsAccount(Base):
    """Cached balances of a household: 可兑换积分 spendable and 荣誉积分 honour."""

    __tablename__ = "scoring_accounts"
    household_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    spendable: Mapped[int] = mapped_column(Integer, default=0)
    honour: Mapped[int] = mapped_column(Integer, default=0)


class PointsEntry(Base):
    """乡风文明积分 one ledger entry; the rule that set its points is copied in, never joined."""

    __tablename__ = "scoring_entries"
    __table_args__ = (UniqueConstraint("source", "source_ref", name="uq_scoring_entries_source_ref"),)
    entry_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(ID), index=True)
    resident_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    hamlet_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    # labour | good_deed | inspection | rating | penalty | manual | redemption
    source: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deed_code: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer)
    requested_points: Mapped[int] = mapped_column(Integer)
    counts_spendable: Mapped[bool] = mapped_column(Boolean, default=True)
    counts_honour: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending approved rejected revoked
    reason: Mapped[str] = mapped_column(Text)
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[int] = mapped_column(Integer)
    rule_policy: Mapped[str | None] = mapped_column(String(50), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Goods(Base):
    """爱心超市 an item of the love supermarket, priced in points."""

    __tablename__ = "scoring_goods"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),
                      CheckConstraint("price_points > 0", name="price_positive"))
    goods_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    village_id: Mapped[str] = mapped_column(String(ID), index=True)
    name: Mapped[str] = mapped_column(String(100))
    price_points: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Donation(Base):
    """捐赠 money or goods given to a village's love supermarket."""

    __tablename__ = "scoring_donations"
    donation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    village_id: Mapped[str] = mapped_column(String(ID), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # money | goods
    donor_name: Mapped[str] = mapped_column(String(100))
    donor_household_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    goods_id: Mapped[str | None] = mapped_column(ForeignKey("scoring_goods.goods_id"), nullable=True)
    quantity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(ID))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Redemption(Base):
    """兑换 points exchanged for goods: pending (points and stock held) -> done | cancelled."""

    __tablename__ = "scoring_redemptions"
    redemption_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(ID), index=True)
    resident_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    goods_id: Mapped[str] = mapped_column(ForeignKey("scoring_goods.goods_id"))
    quantity: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    month: Mapped[str] = mapped_column(String(7))
    entry_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_by: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Inspection(Base):
    """清洁日 a yard inspected by its linked 党员中心户 hub household (看一看、评一评、比一比)."""

    __tablename__ = "scoring_inspections"
    __table_args__ = (UniqueConstraint("household_id", "week", name="uq_scoring_inspections_week"),)
    inspection_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(ID), index=True)
    hamlet_id: Mapped[str] = mapped_column(String(ID), index=True)
    village_id: Mapped[str] = mapped_column(String(ID))
    inspector_household_id: Mapped[str] = mapped_column(String(ID))
    inspected_on: Mapped[date] = mapped_column(Date)
    week: Mapped[str] = mapped_column(String(8), index=True)
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(12))
    remarks: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # None: the grade earns no points
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Rating(Base):
    """乡风文明评比 the quarterly civility rating of a household (0..10 stars)."""

    __tablename__ = "scoring_ratings"
    __table_args__ = (UniqueConstraint("household_id", "quarter", name="uq_scoring_ratings_quarter"),)
    rating_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(ID), index=True)
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    stars: Mapped[int] = mapped_column(Integer)
    nominations: Mapped[list] = mapped_column(JSON, default=list)  # [{title, resident_id}]
    rated_by: Mapped[str] = mapped_column(String(ID))
    entry_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Title(Base):
    """评星评优 a title earned at period end (十星级文明户, 好婆婆, 好媳妇)."""

    __tablename__ = "scoring_titles"
    title_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(ID), index=True)
    resident_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    code: Mapped[str] = mapped_column(String(40))
    quarter: Mapped[str] = mapped_column(String(6), index=True)   # the quarter whose close awarded it
    # the award period (titles.yaml award_every): 2025Q2, 2025H1 or 2025; None before it was kept
    period: Mapped[str | None] = mapped_column(String(6), nullable=True)
    honour_points: Mapped[int] = mapped_column(Integer)
    rating_stars: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[int] = mapped_column(Integer)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ParkedDecision(Base):
    """A decision naming a code scoring cannot act on (e.g. a title the titles file it read does
    not list): kept with the reason, listable, never dropped; resolved by hand or by a replay."""

    __tablename__ = "scoring_parked_decisions"
    parked_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    area: Mapped[str] = mapped_column(String(64), index=True)        # the rule area: titles, civility_points
    code: Mapped[str] = mapped_column(String(64))
    household_id: Mapped[str | None] = mapped_column(String(ID), nullable=True, index=True)
    period: Mapped[str | None] = mapped_column(String(8), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    decision: Mapped[dict] = mapped_column(JSON)
    parked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PeriodClosure(Base):
    """A village's period whose titles are computed: closing twice would award twice. Periods are
    per village: closing 2026Q4 in one village closes nothing elsewhere."""

    __tablename__ = "scoring_period_closures"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    village_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    closed_by: Mapped[str] = mapped_column(String(ID))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PartyAssessment(Base):
    """党员评议 a party member's half-year assessment against the lists of their category."""

    __tablename__ = "scoring_party_assessments"
    __table_args__ = (UniqueConstraint("resident_id", "half_year", name="uq_scoring_party_assessments_half"),)
    assessment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    resident_id: Mapped[str] = mapped_column(String(ID), index=True)
    household_id: Mapped[str] = mapped_column(String(ID))
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))
    half_year: Mapped[str] = mapped_column(String(6), index=True)
    positives: Mapped[list] = mapped_column(JSON, default=list)
    negatives: Mapped[list] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(30))
    score: Mapped[int] = mapped_column(Integer)
    base: Mapped[int] = mapped_column(Integer)
    assessed_by: Mapped[str] = mapped_column(String(ID))
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Review(Base):
    """大家评 半年评议: one subject — a project, or a piece of the village's important work (重要工作) —
    reviewed in a half year by the bodies the rule names, each at a held meeting with quorum."""

    __tablename__ = "scoring_reviews"
    __table_args__ = (UniqueConstraint("project_id", "half_year", name="uq_scoring_reviews_half"),)
    review_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject: Mapped[str] = mapped_column(String(10), default="project")  # project | work
    project_id: Mapped[str | None] = mapped_column(String(ID), index=True, nullable=True)  # None for work
    motion_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)  # the motion a project carries out
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # major | small
    village_id: Mapped[str] = mapped_column(String(ID), index=True)
    hamlet_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    half_year: Mapped[str] = mapped_column(String(6))
    reviewers: Mapped[list] = mapped_column(JSON)
    due: Mapped[str] = mapped_column(String(10))  # due | overdue, as decided when opened
    status: Mapped[str] = mapped_column(String(10))  # open | completed
    result: Mapped[str | None] = mapped_column(String(20), nullable=True)  # the least satisfied body's result
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[int] = mapped_column(Integer)
    opened_by: Mapped[str] = mapped_column(String(ID))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReviewVerdict(Base):
    """One body's verdict in a review, from a held meeting that met its quorum: how many were
    满意 satisfied, 基本满意 basically satisfied, 不满意 unsatisfied, and the result the rule gave.
    (``score`` and the vote columns are those of verdicts recorded before 半年评议 had meetings.)"""

    __tablename__ = "scoring_review_verdicts"
    __table_args__ = (UniqueConstraint("review_id", "body", name="uq_scoring_review_verdicts_body"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("scoring_reviews.review_id"), index=True)
    body: Mapped[str] = mapped_column(String(40))
    meeting_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    members: Mapped[int | None] = mapped_column(Integer, nullable=True)
    present: Mapped[int | None] = mapped_column(Integer, nullable=True)
    satisfied: Mapped[int | None] = mapped_column(Integer, nullable=True)
    basically_satisfied: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unsatisfied: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[str | None] = mapped_column(String(20), nullable=True)  # satisfied | basically_satisfied | unsatisfied
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    rule_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    rule_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    votes_for: Mapped[int | None] = mapped_column(Integer, nullable=True)
    votes_against: Mapped[int | None] = mapped_column(Integer, nullable=True)
    abstain: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(ID))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Opinion(Base):
    """群众意见 an opinion raised in a review: answered, or adopted (合理意见，积极采纳) as a task
    with an owner and a deadline, tracked until it is carried out (全力落实, status ``done``)."""

    __tablename__ = "scoring_opinions"
    opinion_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("scoring_reviews.review_id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(ID))
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | answered | adopted | done
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    owner: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 责任人 of an adopted opinion
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)      # 完成时限
    done_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Project(Base):
    """项目 read model of ``project.registered``: which motion a project carries out, so that a
    review of the project completes its motion."""

    __tablename__ = "scoring_projects"
    project_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    motion_id: Mapped[str | None] = mapped_column(String(ID), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    village_id: Mapped[str] = mapped_column(String(ID))
    hamlet_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)


class HamletApplication(Base):
    """最美垸落 a hamlet's application, the task force's on-site scores and the survey."""

    __tablename__ = "scoring_hamlet_applications"
    __table_args__ = (UniqueConstraint("hamlet_id", "year", name="uq_scoring_hamlet_applications_year"),)
    application_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hamlet_id: Mapped[str] = mapped_column(String(ID), index=True)
    village_id: Mapped[str] = mapped_column(String(ID))
    town_id: Mapped[str] = mapped_column(String(ID))
    year: Mapped[str] = mapped_column(String(4))
    statement: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))  # applied | awarded | not_awarded
    scores: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    assessed_by: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    respondents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    satisfied: Mapped[int | None] = mapped_column(Integer, nullable=True)
    total: Mapped[Decimal | None] = mapped_column(Hundredths(Decimal("99999.99")), nullable=True)
    threshold: Mapped[Decimal | None] = mapped_column(Hundredths(Decimal("99999.99")), nullable=True)
    rule_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    rule_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PeriodPoints(Base):
    """排行榜: a household's approved points earned in a period (its quarter, half year and year),
    kept by every approval and revocation, so a ranking reads its top rows by an index instead
    of summing every entry of every household per request."""

    __tablename__ = "scoring_period_points"
    __table_args__ = (Index("ix_scoring_period_points_rank", "period", "points"),
                      Index("ix_scoring_period_points_village", "period", "village_id", "points"),
                      Index("ix_scoring_period_points_hamlet", "period", "hamlet_id", "points"))
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(ID), primary_key=True, index=True)
    hamlet_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    village_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
