"""An injectable clock, so deadlines and schedules are tested without sleeping.

A service holds a clock (``services.kernel.nameko_ext.Clock``); its domain functions take the
moment itself (``now``), so a test passes the time it needs and nothing reads the wall clock
behind its back. Every stored moment is aware UTC (``services.kernel.types.UTCDateTime``).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    def __init__(self, at: datetime):
        self.at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


def utc(moment: datetime) -> datetime:
    """An aware moment in UTC; a naive one is taken as UTC (SQLite hands those back)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def iso(moment: datetime | None) -> str | None:
    """The wire form of a moment: ISO 8601 in UTC."""
    return None if moment is None else utc(moment).isoformat()
