"""The outbox relay: publishes stored events with publisher confirms and mandatory routing.

It works a window of rows at a time: claims up to ``batch_size`` due rows (``FOR UPDATE SKIP
LOCKED``, so replicas of a service share one outbox), publishes them all on one confirming
channel, waits for their confirms together, and marks the confirmed ones in one statement. The
next rows are found through an index holding only unpublished rows (``ix_kernel_outbox_pending``),
so the confirmed rows kept for ``retention`` never slow it down; the relay deletes them after that.

A row is marked published only after the broker confirmed it; an unroutable or unconfirmed
publish leaves it pending and is retried with backoff, so nothing the service committed is lost.
When the broker returns an event as unroutable, every pending row of that type backs off with it:
a type no queue takes costs one try per backoff step, not one per row.
A row still unroutable after ``max_unroutable`` tries (about half an hour with the default
backoff) is parked in ``cocreate.parked`` with its reason — `cocreate dlq replay` publishes it
again once a queue is bound — instead of being retried and logged forever.
Consumers are idempotent, so the rare double publish (crash between confirm and mark) is harmless.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from amqp import Message
from kombu import Connection, Exchange
from kombu.exceptions import ChannelError, OperationalError
from sqlalchemy import and_, delete, or_, select, update

from . import parking
from .db import outbox_table, utcnow
from .events import CONTENT_TYPE

log = logging.getLogger(__name__)


# Seconds before an unroutable event is tried again, by attempt; the last one repeats.
UNROUTABLE_BACKOFF = [1, 5, 30, 120, 600]
# Tries before an unroutable row is parked: 1+5+30+120+600*3 s, a little over half an hour.
MAX_UNROUTABLE_ATTEMPTS = 8
# Rows published before their confirms are awaited together.
WINDOW = 500
# Seconds the broker has to confirm a window before the relay gives up on it (rows stay pending).
CONFIRM_TIMEOUT = 30.0
# Confirmed rows are kept this long (for `cocreate outbox` inspection), then deleted by the relay.
RETENTION = timedelta(hours=24)
PRUNE_EVERY = 60.0  # seconds between the relay's deletions of rows past retention
PRUNE_BATCH = 5000


class ConfirmTimeout(OperationalError):
    """The broker did not confirm a window in time."""


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


class ConfirmingChannel:
    """One channel in confirm mode: publish many, then wait for all their confirms at once.

    The broker returns an unroutable mandatory message (``basic.return``) before it confirms
    it; the returned message carries its event id (``message_id``), which says which row it was.
    """

    def __init__(self, connection: Connection):
        self.connection = connection
        self.channel = connection.channel()
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._ack)
        self.channel.events["basic_nack"].add(self._nack)
        self.channel.events["basic_return"].add(self._return)
        self.declared: set[str] = set()
        self.tag = 0
        self.unconfirmed: dict[int, str] = {}
        self.nacked: set[str] = set()
        self.returned: dict[str, str] = {}

    def publish(self, event_id: str, exchange: str, routing_key: str, body: str | bytes) -> None:
        if exchange not in self.declared:
            self.channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
            self.declared.add(exchange)
        message = Message(body if isinstance(body, bytes) else body.encode("utf-8"),
                          content_type=CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
                          message_id=event_id, application_headers={})
        self.channel.basic_publish(message, exchange=exchange, routing_key=routing_key, mandatory=True)
        self.tag += 1
        self.unconfirmed[self.tag] = event_id

    def wait_for_confirms(self, timeout: float = CONFIRM_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while self.unconfirmed:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ConfirmTimeout(f"{len(self.unconfirmed)} events not confirmed within {timeout}s")
            try:
                self.connection.drain_events(timeout=min(left, 1.0))
            except TimeoutError:  # socket.timeout: nothing arrived within that second
                continue

    def _settle(self, tag: int, multiple: bool) -> list[str]:
        tags = [t for t in self.unconfirmed if t <= tag] if multiple else [tag]
        return [self.unconfirmed.pop(t) for t in tags if t in self.unconfirmed]

    def _ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple)

    def _nack(self, delivery_tag, multiple):
        self.nacked.update(self._settle(delivery_tag, multiple))

    def _return(self, exc, exchange, routing_key, message):
        event_id = (message.properties or {}).get("message_id")
        if event_id:
            self.returned[event_id] = f"no queue bound to {exchange} for {routing_key}"

    def take_results(self) -> tuple[set[str], dict[str, str]]:
        nacked, returned = self.nacked, self.returned
        self.nacked, self.returned = set(), {}
        return nacked, returned

    def close(self) -> None:
        try:
            self.channel.close()
        except Exception:  # noqa: BLE001  already closed with its connection
            pass


class OutboxRelay:
    def __init__(self, sessionmaker, amqp_uri: str, poll_interval: float = 1.0,
                 batch_size: int = WINDOW, max_backoff: float = 30.0,
                 max_unroutable: int = MAX_UNROUTABLE_ATTEMPTS, name: str = "outbox",
                 retention: timedelta | None = RETENTION):
        self.sessionmaker = sessionmaker
        self.max_unroutable = max_unroutable
        self.name = name
        self.amqp_uri = amqp_uri
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.retention = retention  # None: keep confirmed rows (``cocreate prune`` trims them)
        self._nudge = threading.Event()
        self._stopped = threading.Event()
        self._connection = None
        self._channel = None
        self._pruned_at = 0.0

    def nudge(self) -> None:
        self._nudge.set()

    def stop(self) -> None:
        self._stopped.set()
        self._nudge.set()

    def _confirming(self) -> ConfirmingChannel:
        if self._channel is None:
            if self._connection is None:
                self._connection = Connection(self.amqp_uri)
            self._connection.ensure_connection(max_retries=1)
            self._channel = ConfirmingChannel(self._connection)
        return self._channel

    def _reset(self) -> None:
        if self._channel is not None:
            self._channel.close()
        self._channel = None
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # noqa: BLE001  the connection is already broken
                pass
        self._connection = None

    def publish_pending(self) -> int:
        """Publish up to ``batch_size`` due rows in order; returns how many were confirmed.

        An unroutable row backs off on its own (``UNROUTABLE_BACKOFF``, with every pending row of
        its type) and does not hold up the rows behind it; a broker or connection failure stops
        the window (its rows stay pending) and is raised.
        """
        now = utcnow()
        due = (select(outbox_table.c.id, outbox_table.c.event_id, outbox_table.c.event_type,
                      outbox_table.c.exchange, outbox_table.c.routing_key, outbox_table.c.body,
                      outbox_table.c.attempts)
               .where(outbox_table.c.published_at.is_(None),
                      or_(outbox_table.c.next_attempt_at.is_(None), outbox_table.c.next_attempt_at <= now))
               .order_by(outbox_table.c.id).limit(self.batch_size)
               # the window stays locked until its commit: replicas of a service share the
               # outbox without publishing a row twice (PostgreSQL; SQLite has one writer anyway)
               .with_for_update(skip_locked=True))
        with self.sessionmaker() as session:
            rows = session.execute(due).all()
            if not rows:
                session.rollback()
                return 0
            try:
                channel = self._confirming()
                for row in rows:
                    channel.publish(row.event_id, row.exchange, row.routing_key, row.body)
                channel.wait_for_confirms()
            except (ChannelError, OperationalError, OSError) as exc:
                session.rollback()
                self._reset()
                log.warning("outbox: a window of %d events not published: %s", len(rows), exc)
                raise
            nacked, returned = channel.take_results()
            confirmed = [r.id for r in rows if r.event_id not in nacked and r.event_id not in returned]
            if confirmed:
                self._mark_published(session, confirmed)
            for row in rows:
                if row.event_id in returned:
                    self._unroutable(session, row, returned[row.event_id], now)
                elif row.event_id in nacked:
                    self._failed(session, row, "nacked by the broker")
            session.commit()
        self._prune_due()
        return len(confirmed)

    def _mark_published(self, session, ids) -> None:
        if self.retention is not None and not self.retention:
            session.execute(delete(outbox_table).where(outbox_table.c.id.in_(ids)))
            return
        session.execute(update(outbox_table).where(outbox_table.c.id.in_(ids)).values(
            published_at=utcnow(), attempts=outbox_table.c.attempts + 1, last_error=None,
            next_attempt_at=None))

    def _unroutable(self, session, row, reason, now) -> None:
        if row.attempts + 1 >= self.max_unroutable:
            self._park(session, row, reason)
            return
        delay = UNROUTABLE_BACKOFF[min(row.attempts, len(UNROUTABLE_BACKOFF) - 1)]
        retry_at = now + timedelta(seconds=delay)
        self._failed(session, row, reason, next_attempt_at=retry_at)
        # the rest of its type waits too, untried: no queue takes it until one is bound
        session.execute(update(outbox_table).where(
            outbox_table.c.published_at.is_(None), outbox_table.c.id > row.id,
            outbox_table.c.exchange == row.exchange, outbox_table.c.routing_key == row.routing_key,
            or_(outbox_table.c.next_attempt_at.is_(None), outbox_table.c.next_attempt_at < retry_at),
        ).values(next_attempt_at=retry_at))

    def _prune_due(self) -> None:
        """Delete confirmed rows past retention, a bounded batch at a time."""
        if not self.retention or time.monotonic() - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = time.monotonic()
        with self.sessionmaker() as session:
            removed = prune_published(session, utcnow() - self.retention, limit=PRUNE_BATCH)
            session.commit()
        if removed:
            log.info("outbox: removed %d rows confirmed more than %s ago", removed, self.retention)

    def _park(self, session, row, error) -> None:
        """Hand the row to the parking lot (confirmed), then mark it done here with the reason."""
        reason = f"unroutable after {row.attempts + 1} attempts: {error}"
        parked_id = parking.park(
            self.amqp_uri, row.body.encode("utf-8"), CONTENT_TYPE, queue="", consumer=self.name,
            attempts=row.attempts + 1, error=reason, exchange=row.exchange,
            routing_key=row.routing_key)
        session.execute(update(outbox_table).where(outbox_table.c.id == row.id).values(
            published_at=utcnow(), attempts=row.attempts + 1, next_attempt_at=None,
            last_error=f"parked {parked_id}: {reason}"[:2000]))
        log.error("outbox: %s %s parked as %s: %s", row.event_type, row.event_id, parked_id, reason)

    def _failed(self, session, row, error, next_attempt_at=None) -> None:
        session.execute(update(outbox_table).where(outbox_table.c.id == row.id).values(
            attempts=row.attempts + 1, last_error=str(error)[:2000], next_attempt_at=next_attempt_at))
        log.warning("outbox: %s %s not published (attempt %d): %s",
                    row.event_type, row.event_id, row.attempts + 1, error)

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


def prune_published(session, before, limit: int | None = None) -> int:
    """Delete rows published before ``before`` (at most ``limit``): confirmed long ago."""
    old = and_(outbox_table.c.published_at.is_not(None), outbox_table.c.published_at < before)
    if limit is not None:
        old = outbox_table.c.id.in_(select(outbox_table.c.id).where(old).limit(limit).scalar_subquery())
    return session.execute(delete(outbox_table).where(old)).rowcount


def pending_count(sessionmaker) -> int:
    from sqlalchemy import func
    with sessionmaker() as session:
        return session.execute(select(func.count()).select_from(outbox_table)
                               .where(outbox_table.c.published_at.is_(None))).scalar_one()

