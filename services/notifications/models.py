"""Tables of the notifications service (共享 sharing): the public feed and its subscribers."""
from __future__ import annotations

import secrets
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


def new_public_id() -> str:
    return "sub_" + secrets.token_urlsafe(18)


class Subscription(Base):
    """A person's (email) or county system's (webhook) standing request for matching events."""

    __tablename__ = "subscription"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the id callers see: random, so one subscription's id tells nothing of another's (OWASP API1)
    public_id: Mapped[str] = mapped_column(String(40), unique=True, default=lambda: new_public_id())
    subscriber: Mapped[str] = mapped_column(String(200))
    # who may see and end it: the caller who made it (their token's id), or None for an operator
    owner: Mapped[str | None] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="webhook")  # a key of channels.CHANNELS
    url: Mapped[str | None] = mapped_column(String(500))          # a county system's webhook, or
    email: Mapped[str | None] = mapped_column(String(320))        # a person's mailbox
    patterns: Mapped[list] = mapped_column(JSON)
    secret: Mapped[str | None] = mapped_column(String(200))       # whsec_<base64>: Standard Webhooks
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Double opt-in: nothing is sent to a mailbox before its owner followed the confirm link.
    token: Mapped[str | None] = mapped_column(String(64), unique=True)  # confirm / unsubscribe links
    confirm_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    digest: Mapped[str] = mapped_column(String(16), default="immediate")  # immediate, daily, weekly
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Delivery(Base):
    """One notice owed to one subscription, retried with backoff until delivered or given up.

    status: pending -> delivered | failed (retries exhausted: kept, `cocreate deliveries replay`)
    | cancelled (the subscription ended first).
    """

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


# ---- 公开栏 the village board's read model: projections of public events, per village ------------

class BoardPlace(Base):
    """名录 names of villages, hamlets and households (head's name only) for headlines.

    Kept from ``household.registered`` (internal) for names alone: party membership and the 1+10
    link are not stored, so nothing of them can reach a page."""

    __tablename__ = "board_place"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))                 # village | hamlet | household
    name: Mapped[str] = mapped_column(String(200))
    village_id: Mapped[str | None] = mapped_column(String(64), index=True)
    hamlet_id: Mapped[str | None] = mapped_column(String(64), index=True)


class BoardItem(Base):
    """One public event as the village board shows it: its section, Chinese headline and facts."""

    __tablename__ = "board_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cause_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    cause_type: Mapped[str] = mapped_column(String(128))
    section: Mapped[str] = mapped_column(String(32), index=True)
    key: Mapped[str | None] = mapped_column(String(200), index=True)  # e.g. motion/suggestion/vote id
    village_id: Mapped[str | None] = mapped_column(String(64), index=True)  # null until the place is known
    hamlet_id: Mapped[str | None] = mapped_column(String(64), index=True)
    household_id: Mapped[str | None] = mapped_column(String(64), index=True)
    project_id: Mapped[str | None] = mapped_column(String(64), index=True)
    headline: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class BoardProject(Base):
    """项目账目 a project's budget and the money raised for it by source."""

    __tablename__ = "board_project"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    village_id: Mapped[str] = mapped_column(String(64), index=True)
    hamlet_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    budget: Mapped[str] = mapped_column(String(32))               # exact yuan, as the event gives it
    mix: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="registered")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    funded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Publicity(Base):
    """公示 an item on notice on its village's board, and where it stands."""

    __tablename__ = "publicity"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))                 # decision allocation accounts title award
    village_id: Mapped[str] = mapped_column(String(64), index=True)
    hamlet_id: Mapped[str | None] = mapped_column(String(64))
    cause_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    cause_type: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(200), index=True)
    headline: Mapped[str] = mapped_column(Text)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    rule: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="in_notice", index=True)
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Objection(Base):
    """异议 a resident's objection to an item on notice; the objector is never shown publicly."""

    __tablename__ = "objection"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publicity_id: Mapped[int] = mapped_column(ForeignKey("publicity.id"), index=True)
    resident_id: Mapped[str] = mapped_column(String(64))
    household_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="lodged")  # lodged | upheld | dismissed
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
