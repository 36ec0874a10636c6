"""Tables of the notifications service (共享 sharing): the public feed and its subscribers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import make_base, utcnow
from services.kernel.types import UTCDateTime

Base = make_base()


class Notice(Base):
    """One result published on the public board 公开栏, caused by one event."""

    __tablename__ = "notice"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cause_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    cause_type: Mapped[str] = mapped_column(String(128), index=True)
    source: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(200))
    headline: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)
    envelope: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Subscription(Base):
    """A person's (email) or county system's (webhook) standing request for matching events."""

    __tablename__ = "subscription"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))          # a county system's webhook, or
    email: Mapped[str | None] = mapped_column(String(320))        # a person's mailbox
    patterns: Mapped[list] = mapped_column(JSON)
    secret: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delivery(Base):
    """One notice owed to one subscription, retried with backoff until delivered or given up."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("subscription_id", "notice_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
