"""Tables of the rules service: published policy versions, the decision log, and the schedules
that must survive a restart."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import make_base, utcnow
from services.kernel.types import UTCDateTime

Base = make_base()

ACTIVE = "active"


class Schedule(Base):
    """A review or an answer deadline the rules service watches (半年评议, 回音墙 时限).

    ``next_check_at`` is when the timer looks again; the decision itself is taken then, by the
    rules in force at that moment, so a reload applies to schedules already waiting.
    """

    __tablename__ = "rules_schedules"
    __table_args__ = (UniqueConstraint("kind", "subject"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))             # review | deadline
    subject: Mapped[str] = mapped_column(String(128))         # e.g. project/p1, suggestion/s9
    facts: Mapped[dict] = mapped_column(JSON)                 # review: kind, since; deadline: kind
    level: Mapped[int] = mapped_column(Integer, default=0)    # deadline: who must answer now
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())  # this level's clock
    next_check_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE, index=True)
    last_outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_rule: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    fired: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PolicyVersion(Base):
    """One published version of one rule file: the only text the rules service decides by.

    Rows are never changed or deleted; the rows of one ``cocreate rules publish`` share a
    ``publication`` and were written in one transaction. (area, version) is unique, so two
    publishers racing for the same number cannot both win.
    """

    __tablename__ = "rules_policy_versions"
    __table_args__ = (UniqueConstraint("area", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    publication: Mapped[str] = mapped_column(String(36), index=True)
    area: Mapped[str] = mapped_column(String(64), index=True)
    file: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(128))     # the caller's identity, or the OS user
    message: Mapped[str] = mapped_column(Text)           # why
    warnings: Mapped[list] = mapped_column(JSON, default=list)  # acknowledged when published
    # the staff's case file (rules/tests/<area>.yaml) this version passed when published; None: none
    cases: Mapped[str | None] = mapped_column(Text, nullable=True)
    cases_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Decision(Base):
    """Every decision the service took, with the facts it was given: what-if replay and
    "make a staff case from this" read them. Pruned after RULES_DECISION_LOG_DAYS."""

    __tablename__ = "rules_decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    area: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(64))
    facts: Mapped[dict] = mapped_column(JSON)
    values: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
