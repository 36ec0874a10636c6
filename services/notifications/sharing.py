"""一体共享 sharing: every result becomes a notice on the public board and is owed to each
subscriber whose patterns match it. Plain module: no nameko, no network."""
from __future__ import annotations

import fnmatch
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from services.kernel import events, identity, outbox
from services.kernel.db import get_or_404, utcnow
from services.kernel.errors import NotFound, ValidationFailed

from . import board, headlines
from .models import Delivery, Notice, Subscription

# Backoff between delivery attempts to a subscriber; after the last one it is marked failed.
RETRY_SCHEDULE = [timedelta(seconds=s) for s in (5, 30, 120, 600, 3600)]


def headline(event, names=None) -> str:
    """A readable Chinese line built from the event's data; the catalogue's label as a fallback."""
    built = headlines.headline(event.name, event.envelope.get("data") or {}, names or (lambda _i: None))
    if built:
        return built
    label = events.get(event.name).description or event.name
    return f"{label} {event.subject or ''}".strip()


def share(session: Session, event, now: datetime) -> Notice | None:
    """Publish one event and owe it to matching subscribers (once per event).

    An internal event (plumbing between services, see the catalogue's audience) gets no notice at
    all; village and household ones are kept for their subscribers but never reach the public feed.
    """
    if events.audience_of(event.name) == "internal":
        return None
    if session.execute(select(Notice.id).where(Notice.cause_event_id == event.id)).first():
        return None
    notice = Notice(cause_event_id=event.id, cause_type=event.name, source=event.source.rsplit("/", 1)[-1],
                    subject=event.subject, headline=headline(event, board.names_in(session)), data=event.envelope.get("data", {}),
                    envelope=event.envelope, published_at=now)
    session.add(notice)
    session.flush()
    # Owed to subscriptions not yet confirmed too: a person who confirms tomorrow gets today's
    # notices (the lanes send nothing before confirmation).
    for sub in session.scalars(select(Subscription).where(Subscription.active.is_(True))):
        if sub.email and events.audience_of(event.name) != "public":
            continue  # a person's mailbox gets only what the public board shows
        if matches(sub.patterns, event.name):
            session.add(Delivery(subscription_id=sub.id, notice_id=notice.id, next_attempt_at=now))
    # Who follows a result is their own business: the public event names no subscriber.
    outbox.emit(session, "notice.published", {
        "notice_id": str(notice.id), "cause_event_id": event.id, "cause_type": event.name,
        "headline": notice.headline, "audience": [events.audience_of(event.name)],
    }, subject=f"notice/{notice.id}")
    return notice


def matches(patterns: list[str], name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def subscribe(session: Session, data: dict, now: datetime | None = None,
              retention: timedelta | None = None, allow=()) -> Subscription:
    """A webhook is live at once (its secret is the proof); an email waits for its owner's
    confirmation. ``start_after`` (a cursor of ``events``) owes it the stored events after it."""
    from . import addresses, webhooks
    now = now or utcnow()
    known = {t.name for t in events.all_types()}
    unmatched = [p for p in data["patterns"] if not any(fnmatch.fnmatchcase(n, p) for n in known)]
    if unmatched:
        raise ValidationFailed.from_messages(
            {"patterns": [f"{p!r} matches no event type in the catalogue" for p in unmatched]})
    if data.get("url") is not None:
        try:
            addresses.check(data["url"], allow)
        except addresses.Refused as exc:
            raise ValidationFailed.from_messages({"url": [str(exc)]}) from None
    webhook = data.get("url") is not None
    sub = Subscription(subscriber=data["subscriber"], owner=data.get("owner"),
                       channel="webhook" if webhook else "email",
                       url=data.get("url"), email=data.get("email"), patterns=data["patterns"],
                       secret=webhooks.normalise_secret(data.get("secret")) if webhook else None,
                       active=True, created_at=now, token=secrets.token_urlsafe(32),
                       confirmed_at=now if webhook else None,
                       digest=data.get("digest") or "immediate")
    session.add(sub)
    session.flush()
    if data.get("start_after") is not None:
        for notice in stored_events(session, now, after=data["start_after"], patterns=sub.patterns,
                                    limit=None, retention=retention):
            session.add(Delivery(subscription_id=sub.id, notice_id=notice.id, next_attempt_at=now))
    return sub


def cancel_pending(session: Session, subscription_id: int) -> int:
    return session.execute(update(Delivery).where(
        Delivery.subscription_id == subscription_id, Delivery.status == "pending")
        .values(status="cancelled", last_error="subscription ended")).rowcount


def unsubscribe(session: Session, sub: Subscription, now: datetime | None = None) -> Subscription:
    """Ends it: nothing more is sent, pending retries included."""
    if sub.active:
        sub.active, sub.ended_at = False, now or utcnow()
    cancel_pending(session, sub.id)
    return sub


def by_token(session: Session, token: str) -> Subscription:
    sub = session.scalars(select(Subscription).where(Subscription.token == token)).first() if token else None
    if sub is None:
        raise NotFound({"message": "链接无效或已过期 the link is not valid", "kind": "subscription"})
    return sub


def confirm(session: Session, token: str, now: datetime | None = None) -> Subscription:
    """Double opt-in: the owner of the mailbox followed the link in the confirmation mail."""
    sub = by_token(session, token)
    if sub.active and sub.confirmed_at is None:
        sub.confirmed_at = now or utcnow()
    return sub


def unsubscribe_by_token(session: Session, token: str, now: datetime | None = None) -> Subscription:
    return unsubscribe(session, by_token(session, token), now)


def failed_deliveries(session: Session, subscription_id: str | None = None, limit: int = 500):
    query = (select(Delivery, Subscription, Notice)
             .join(Subscription, Delivery.subscription_id == Subscription.id)
             .join(Notice, Delivery.notice_id == Notice.id)
             .where(Delivery.status == "failed").order_by(Delivery.id).limit(limit))
    if subscription_id is not None:
        query = query.where(Subscription.public_id == subscription_id)
    return session.execute(query).all()


def replay(session: Session, delivery_ids: list[int] | None, now: datetime,
           subscription_id: str | None = None) -> list[int]:
    """Exhausted deliveries back in their lane, from the first attempt (same webhook-id).
    Those of ended subscriptions stay as they are."""
    query = (select(Delivery).join(Subscription, Delivery.subscription_id == Subscription.id)
             .where(Delivery.status == "failed", Subscription.active.is_(True)))
    if delivery_ids is not None:
        query = query.where(Delivery.id.in_(delivery_ids))
    if subscription_id is not None:
        query = query.where(Subscription.public_id == subscription_id)
    replayed = []
    for delivery in session.scalars(query.order_by(Delivery.id)):
        delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
        replayed.append(delivery.id)
    return replayed


def stored_events(session: Session, now: datetime, after: str | int | None = None,
                  patterns: list[str] | None = None, limit: int | None = 100,
                  retention: timedelta | None = None) -> list[Notice]:
    return events_page(session, now, after, patterns, limit, retention)[0]


def events_page(session: Session, now: datetime, after: str | int | None = None,
                patterns: list[str] | None = None, limit: int | None = 100,
                retention: timedelta | None = None) -> tuple[list[Notice], int | None]:
    """The stored events after a cursor, oldest first (the catch-up feed), and the cursor of
    the last one looked at (it only moves forward, even past events the patterns left out)."""
    query = select(Notice).order_by(Notice.id)
    if after not in (None, ""):
        query = query.where(Notice.id > parse_cursor(after))
    if patterns:  # LIKE narrows it in the database; fnmatch below is exact
        query = query.where(or_(*[Notice.cause_type.like(p.replace("*", "%")) for p in patterns]))
    if retention is not None:
        query = query.where(Notice.published_at >= now - retention)
    if limit is not None:
        query = query.limit(limit)
    scanned = list(session.scalars(query))
    last = scanned[-1].id if scanned else None
    return [n for n in scanned if not patterns or matches(patterns, n.cause_type)], last


def parse_cursor(cursor) -> int:
    try:
        value = int(str(cursor))
    except ValueError:
        raise ValidationFailed.from_messages({"after": [f"{cursor!r} is not a cursor from this feed"]}) from None
    if value < 0:
        raise ValidationFailed.from_messages({"after": [f"{cursor!r} is not a cursor from this feed"]})
    return value


def feed(session: Session, limit: int = 50, cause_type: str | None = None, before: int | None = None):
    """The public feed: notices of public event types only, newest first."""
    query = (select(Notice).where(Notice.cause_type.in_(events.public_names()))
             .order_by(Notice.id.desc()).limit(limit))
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


def subscription(session: Session, public_id: str, principal=None) -> Subscription:
    """A subscription by its public id, for its owner (or an operator, or the platform's own call).
    Another caller's subscription answers as a missing one: its existence is not told either."""
    sub = session.scalars(select(Subscription).where(Subscription.public_id == str(public_id))).first()
    if sub is None or not identity.owns(principal, sub.owner):
        raise NotFound({"message": f"没有这个订阅 (no subscription {public_id})", "kind": "subscription",
                        "id": str(public_id)})
    return sub


def delivery_counts(session: Session, subscription_id: int) -> dict:
    rows = session.execute(select(Delivery.status, func.count()).where(
        Delivery.subscription_id == subscription_id).group_by(Delivery.status)).all()
    return dict(rows)
