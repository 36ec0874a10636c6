"""A delivery lane per subscriber: a slow or dead receiver only ever delays itself.

Every tick finds the subscribers whose next delivery is due and runs one lane (a green thread)
for each that has none running. A lane sends that subscriber's deliveries in order — one event
per webhook request, or everything pending in one email (digest) — and records each attempt.
A failed attempt backs the delivery off (``sharing.RETRY_SCHEDULE``) and ends the lane: the
events behind it wait, so a subscriber receives its events in order. No database connection is
held while a receiver is being waited on. Plain module: the service gives it a ``spawn``.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from . import sharing
from .channels import aware
from .models import Delivery, Notice, Subscription

log = logging.getLogger(__name__)


@dataclass
class Sent:
    """What a lane read for one send, detached from its session."""

    delivery_ids: list[int]
    subscription: Subscription
    notices: list[Notice]


class Lanes:
    def __init__(self, sessionmaker, channels: dict, spawn: Callable, now: Callable,
                 max_lanes: int = 1000):
        self.sessionmaker = sessionmaker
        self.channels = channels
        self.spawn = spawn
        self.now = now
        self.max_lanes = max_lanes
        self.running: set[int] = set()
        self._lock = threading.Lock()

    # -- which subscribers are due ------------------------------------------------------------

    def due_subscribers(self, session, now) -> list[int]:
        """Active, confirmed subscriptions whose first pending delivery is due (head of line)."""
        head = aliased(Delivery)
        first_pending = (select(func.min(head.id)).where(head.subscription_id == Delivery.subscription_id,
                                                         head.status == "pending")
                         .scalar_subquery())
        return list(session.scalars(
            select(Delivery.subscription_id)
            .join(Subscription, Subscription.id == Delivery.subscription_id)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now,
                   Delivery.id == first_pending, Subscription.active.is_(True),
                   Subscription.confirmed_at.is_not(None))
            .order_by(Delivery.subscription_id)))

    def unconfirmed(self, session) -> list[int]:
        names = [n for n, c in self.channels.items() if c.needs_confirmation]
        return list(session.scalars(select(Subscription.id).where(
            Subscription.active.is_(True), Subscription.channel.in_(names),
            Subscription.confirmed_at.is_(None), Subscription.confirm_sent_at.is_(None))))

    def tick(self) -> int:
        """Start a lane for every due subscriber that has none; returns how many started."""
        now = self.now()
        with self.sessionmaker() as session:
            ids = self.due_subscribers(session, now) + [-i for i in self.unconfirmed(session)]
        started = 0
        for ident in ids:
            sub_id = abs(ident)
            with self._lock:
                if sub_id in self.running or len(self.running) >= self.max_lanes:
                    continue
                self.running.add(sub_id)
            self.spawn(self._confirm if ident < 0 else self._lane, sub_id)
            started += 1
        return started

    # -- one lane -------------------------------------------------------------------------------

    def _lane(self, sub_id: int) -> None:
        try:
            while self._send_next(sub_id):
                pass
        except Exception:  # noqa: BLE001  the next tick starts the lane again
            log.exception("delivery lane of subscription %s failed", sub_id)
        finally:
            with self._lock:
                self.running.discard(sub_id)

    def _read(self, sub_id: int, now) -> Sent | None:
        with self.sessionmaker() as session:
            sub = session.get(Subscription, sub_id)
            if sub is None or not sub.active or sub.confirmed_at is None:
                return None
            channel = self.channels[sub.channel]
            if not channel.ready(sub, now):
                return None
            rows = session.execute(
                select(Delivery, Notice).join(Notice, Notice.id == Delivery.notice_id)
                .where(Delivery.subscription_id == sub_id, Delivery.status == "pending")
                .order_by(Delivery.id).limit(channel.batch)).all()
            if not rows or aware(rows[0][0].next_attempt_at) > now:
                return None  # nothing due; or the head is backing off and the rest wait behind it
            session.expunge_all()
        return Sent([d.id for d, _ in rows], sub, [n for _, n in rows])

    def _send_next(self, sub_id: int) -> bool:
        now = self.now()
        sent = self._read(sub_id, now)
        if sent is None:
            return False
        channel = self.channels[sent.subscription.channel]
        error = channel.send(sent.subscription, sent.notices)
        now = self.now()
        with self.sessionmaker() as session:
            sub = session.get(Subscription, sub_id)
            for delivery in session.scalars(select(Delivery).where(Delivery.id.in_(sent.delivery_ids))):
                if delivery.status == "pending":
                    sharing.record_attempt(delivery, now, error)
            if error is None:
                sub.last_sent_at = now
            if not sub.active:  # ended while we were waiting on the receiver: no more retries
                sharing.cancel_pending(session, sub_id)
            session.commit()
        if error is not None:
            log.info("delivery to subscription %s failed (%s); backing off", sub_id, error)
        return error is None

    def _confirm(self, sub_id: int) -> None:
        try:
            with self.sessionmaker() as session:
                sub = session.get(Subscription, sub_id)
                if sub is None or sub.confirm_sent_at is not None:
                    return
                session.expunge(sub)
            error = self.channels[sub.channel].confirm(sub)
            with self.sessionmaker() as session:
                if error is None:
                    session.get(Subscription, sub_id).confirm_sent_at = self.now()
                    session.commit()
                else:
                    log.warning("confirmation to subscription %s not sent: %s", sub_id, error)
        except Exception:  # noqa: BLE001
            log.exception("confirmation of subscription %s failed", sub_id)
        finally:
            with self._lock:
                self.running.discard(sub_id)
