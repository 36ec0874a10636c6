"""The outbox relay: publishes stored events with publisher confirms and mandatory routing.

A row is marked published only after the broker confirmed it; an unroutable or unconfirmed
publish leaves it pending and is retried with backoff, so nothing the service committed is lost.
A row still unroutable after ``max_unroutable`` tries (about half an hour with the default
backoff) is parked in ``cocreate.parked`` with its reason — `cocreate dlq replay` publishes it
again once a queue is bound — instead of being retried and logged forever.
Consumers are idempotent, so the rare double publish (crash between confirm and mark) is harmless.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from kombu import Connection, Exchange
from kombu.exceptions import ChannelError, OperationalError
from sqlalchemy import or_, select, update

from . import parking
from .db import outbox_table, utcnow
from .events import CONTENT_TYPE

log = logging.getLogger(__name__)


# Seconds before an unroutable event is tried again, by attempt; the last one repeats.
UNROUTABLE_BACKOFF = [1, 5, 30, 120, 600]
# Tries before an unroutable row is parked: 1+5+30+120+600*3 s, a little over half an hour.
MAX_UNROUTABLE_ATTEMPTS = 8


class Unroutable(Exception):
    """The broker returned the event: no queue is bound for it."""


def event_exchange(name: str) -> Exchange:
    # Same declaration as nameko's own event exchanges, so the two never disagree.
    return Exchange(name, type="topic", durable=True, auto_delete=False)


def publish_envelope(producer, exchange: str, routing_key: str, body: str | bytes, headers=None):
    """Publish one structured CloudEvent; raises Unroutable when no queue takes it."""
    try:
        producer.publish(
            body if isinstance(body, bytes) else body.encode("utf-8"),
            exchange=event_exchange(exchange), declare=[event_exchange(exchange)],
            routing_key=routing_key, mandatory=True, delivery_mode=2,
            content_type=CONTENT_TYPE, content_encoding="utf-8", headers=headers or {},
            retry=True, retry_policy={"max_retries": 3},
        )
    except ChannelError as exc:
        if "NO_ROUTE" in str(exc):
            raise Unroutable(f"no queue bound to {exchange} for {routing_key}") from exc
        raise


class OutboxRelay:
    def __init__(self, sessionmaker, amqp_uri: str, poll_interval: float = 1.0,
                 batch_size: int = 100, max_backoff: float = 30.0,
                 max_unroutable: int = MAX_UNROUTABLE_ATTEMPTS, name: str = "outbox"):
        self.sessionmaker = sessionmaker
        self.max_unroutable = max_unroutable
        self.name = name
        self.amqp_uri = amqp_uri
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self._nudge = threading.Event()
        self._stopped = threading.Event()
        self._connection = None

    def nudge(self) -> None:
        self._nudge.set()

    def stop(self) -> None:
        self._stopped.set()
        self._nudge.set()

    def _producer(self):
        if self._connection is None:
            self._connection = Connection(self.amqp_uri, transport_options={"confirm_publish": True})
        return self._connection.Producer()

    def _reset(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # noqa: BLE001  the connection is already broken
                pass
        self._connection = None

    def publish_pending(self) -> int:
        """Publish up to ``batch_size`` due rows in order; returns how many were confirmed.

        An unroutable row backs off on its own (``UNROUTABLE_BACKOFF``) and does not hold up the
        rows behind it; a broker or connection failure stops the batch and is raised.
        """
        done = 0
        now = utcnow()
        due = (select(outbox_table)
               .where(outbox_table.c.published_at.is_(None),
                      or_(outbox_table.c.next_attempt_at.is_(None), outbox_table.c.next_attempt_at <= now))
               .order_by(outbox_table.c.id).limit(1)
               # one row at a time, locked until its commit: replicas of a service share the
               # outbox without publishing a row twice (PostgreSQL; SQLite has one writer anyway)
               .with_for_update(skip_locked=True))
        with self.sessionmaker() as session:
            for _ in range(self.batch_size):
                row = session.execute(due).first()
                if row is None:
                    break
                try:
                    publish_envelope(self._producer(), row.exchange, row.routing_key, row.body)
                except Unroutable as exc:
                    if row.attempts + 1 >= self.max_unroutable:
                        self._park(session, row, exc)
                        continue
                    delay = UNROUTABLE_BACKOFF[min(row.attempts, len(UNROUTABLE_BACKOFF) - 1)]
                    self._failed(session, row, exc, next_attempt_at=now + timedelta(seconds=delay))
                    continue
                except (ChannelError, OperationalError, OSError) as exc:
                    self._reset()
                    self._failed(session, row, exc)
                    raise
                session.execute(update(outbox_table).where(outbox_table.c.id == row.id).values(
                    published_at=utcnow(), attempts=row.attempts + 1, last_error=None,
                    next_attempt_at=None))
                session.commit()
                done += 1
        return done

    def _park(self, session, row, exc) -> None:
        """Hand the row to the parking lot (confirmed), then mark it done here with the reason."""
        reason = f"unroutable after {row.attempts + 1} attempts: {exc}"
        parked_id = parking.park(
            self.amqp_uri, row.body.encode("utf-8"), CONTENT_TYPE, queue="", consumer=self.name,
            attempts=row.attempts + 1, error=reason, exchange=row.exchange,
            routing_key=row.routing_key, connection=self._connection)
        session.execute(update(outbox_table).where(outbox_table.c.id == row.id).values(
            published_at=utcnow(), attempts=row.attempts + 1, next_attempt_at=None,
            last_error=f"parked {parked_id}: {reason}"[:2000]))
        session.commit()
        log.error("outbox: %s %s parked as %s: %s", row.event_type, row.event_id, parked_id, reason)

    def _failed(self, session, row, exc, next_attempt_at=None) -> None:
        session.execute(update(outbox_table).where(outbox_table.c.id == row.id).values(
            attempts=row.attempts + 1, last_error=str(exc)[:2000], next_attempt_at=next_attempt_at))
        session.commit()
        log.warning("outbox: %s %s not published (attempt %d): %s",
                    row.event_type, row.event_id, row.attempts + 1, exc)

    def run(self) -> None:
        """Loop until stopped: drain the outbox, then wait for a nudge or the poll interval."""
        backoff = 0.0
        while not self._stopped.is_set():
            try:
                published = self.publish_pending()
                backoff = 0.0
            except Exception:  # noqa: BLE001  keep relaying; the row stays pending
                log.exception("outbox relay failed; retrying")
                backoff = min(self.max_backoff, max(0.5, backoff * 2))
                self._stopped.wait(backoff)
                continue
            if published < self.batch_size:
                self._nudge.wait(self.poll_interval)
                self._nudge.clear()
        self._reset()


def prune_published(session, before) -> int:
    """Delete rows published before ``before``: the broker has confirmed them long ago."""
    from sqlalchemy import delete
    return session.execute(delete(outbox_table).where(
        outbox_table.c.published_at.is_not(None), outbox_table.c.published_at < before)).rowcount


def pending_count(sessionmaker) -> int:
    from sqlalchemy import func
    with sessionmaker() as session:
        return session.execute(select(func.count()).select_from(outbox_table)
                               .where(outbox_table.c.published_at.is_(None))).scalar_one()

