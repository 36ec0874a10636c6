"""一体共享 sharing: every result becomes a notice on the public board and is owed to each
subscriber whose patterns match it. Plain module: no nameko, no network."""
from __future__ import annotations

import fnmatch
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kernel.db import get_or_404
from services.kernel import events, outbox
from services.kernel.errors import ValidationFailed

from .models import Delivery, Notice, Subscription

# Backoff between delivery attempts to a subscriber; after the last one it is marked failed.
RETRY_SCHEDULE = [timedelta(seconds=s) for s in (5, 30, 120, 600, 3600)]


def headline(event) -> str:
    """A readable line: the catalogue's label of the type, and what it is about."""
    label = events.get(event.name).description or event.name
    about = event.subject or ""
    return f"{label} {about}".strip()


def share(session: Session, event, now: datetime) -> Notice | None:
    """Publish one event on the board and owe it to matching subscribers (once per event)."""
    if session.execute(select(Notice.id).where(Notice.cause_event_id == event.id)).first():
        return None
    notice = Notice(cause_event_id=event.id, cause_type=event.name, source=event.source.rsplit("/", 1)[-1],
                    subject=event.subject, headline=headline(event), data=event.envelope.get("data", {}),
                    envelope=event.envelope, published_at=now)
    session.add(notice)
    session.flush()
    audience = []
    for sub in session.scalars(select(Subscription).where(Subscription.active.is_(True))):
        if matches(sub.patterns, event.name):
            session.add(Delivery(subscription_id=sub.id, notice_id=notice.id, next_attempt_at=now))
            audience.append(sub.subscriber)
    outbox.emit(session, "notice.published", {
        "notice_id": str(notice.id), "cause_event_id": event.id, "cause_type": event.name,
        "headline": notice.headline, "audience": ["public", *audience],
    }, subject=f"notice/{notice.id}")
    return notice


def matches(patterns: list[str], name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def subscribe(session: Session, data: dict) -> Subscription:
    known = {t.name for t in events.all_types()}
    unmatched = [p for p in data["patterns"] if not any(fnmatch.fnmatchcase(n, p) for n in known)]
    if unmatched:
        raise ValidationFailed.from_messages(
            {"patterns": [f"{p!r} matches no event type in the catalogue" for p in unmatched]})
    sub = Subscription(subscriber=data["subscriber"], url=data.get("url"), email=data.get("email"),
                       patterns=data["patterns"], secret=data.get("secret"), active=True)
    session.add(sub)
    session.flush()
    return sub


def unsubscribe(session: Session, subscription_id: int) -> Subscription:
    sub = get_or_404(session, Subscription, subscription_id, "subscription")
    sub.active = False
    return sub


def feed(session: Session, limit: int = 50, cause_type: str | None = None, before: int | None = None):
    query = select(Notice).order_by(Notice.id.desc()).limit(limit)
    if cause_type:
        query = query.where(Notice.cause_type.like(cause_type.replace("*", "%")))
    if before:
        query = query.where(Notice.id < before)
    return list(session.scalars(query))


def due_deliveries(session: Session, now: datetime, limit: int = 50):
    return session.execute(
        select(Delivery, Subscription, Notice)
        .join(Subscription, Delivery.subscription_id == Subscription.id)
        .join(Notice, Delivery.notice_id == Notice.id)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.id).limit(limit)).all()


def record_attempt(delivery: Delivery, now: datetime, error: str | None) -> None:
    delivery.attempts += 1
    if error is None:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
        return
    delivery.last_error = error[:2000]
    if delivery.attempts > len(RETRY_SCHEDULE):
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + RETRY_SCHEDULE[delivery.attempts - 1]


def subscription(session: Session, subscription_id: int) -> Subscription:
    return get_or_404(session, Subscription, subscription_id, "subscription")


def delivery_counts(session: Session, subscription_id: int) -> dict:
    rows = session.execute(select(Delivery.status, func.count()).where(
        Delivery.subscription_id == subscription_id).group_by(Delivery.status)).all()
    return dict(rows)
