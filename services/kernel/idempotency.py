"""Applied once: an event handler records the event id, and an RPC request its key, in the same
transaction as the effect, so a redelivery or a client's retry has no second effect."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .db import processed_table, requests_table, utcnow


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


def answered(session: Session, keys: list[str]):
    """The stored (digest, response) of the first of ``keys`` already applied, or None."""
    for key in keys:
        row = session.execute(select(requests_table.c.digest, requests_table.c.response)
                              .where(requests_table.c.request_key == key)).first()
        if row is not None:
            return row
    return None


def remember(session: Session, keys: list[str], method: str, digest: str | None, response: str) -> None:
    """Store the answer under every key; a concurrent duplicate fails on the primary key."""
    for key in keys:
        session.execute(insert(requests_table).values(
            request_key=key, method=method, digest=digest, response=response, created_at=utcnow()))


def prune_requests(session: Session, before) -> int:
    from sqlalchemy import delete
    return session.execute(delete(requests_table).where(requests_table.c.created_at < before)).rowcount
