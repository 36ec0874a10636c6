"""Tables of the rules service: the schedules that must survive a restart."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, UniqueConstraint
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
