"""Idempotent consumers: a handler records the event id in the same transaction as its effect."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .db import processed_table, utcnow


def seen(session: Session, event_id: str, consumer: str) -> bool:
    row = session.execute(select(processed_table.c.event_id).where(
        processed_table.c.event_id == event_id, processed_table.c.consumer == consumer)).first()
    return row is not None


def record(session: Session, event_id: str, consumer: str, event_type: str) -> None:
    """Insert the marker; a concurrent duplicate fails on the primary key at commit."""
    session.execute(insert(processed_table).values(
        event_id=event_id, consumer=consumer, event_type=event_type, processed_at=utcnow()))


def prune(session: Session, before) -> int:
    """Forget markers older than ``before``; a redelivery older than that would apply again."""
    from sqlalchemy import delete
    return session.execute(delete(processed_table).where(processed_table.c.processed_at < before)).rowcount
