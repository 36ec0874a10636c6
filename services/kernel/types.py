"""Column types every service's models use, so SQLite (the embedded default) and PostgreSQL
store the same values.

- :class:`Money`: yuan as integer fen in a BIGINT. SQLite keeps ``NUMERIC`` as a float (and
  accepts any magnitude), so ``9999999999999999.99`` came back as ``10000000000000000``.
- :class:`Hundredths`: any other exact two-decimal quantity (areas, hours, scores), likewise.
- :class:`UTCDateTime`: aware UTC datetimes on both (SQLite forgets the offset).

A value that does not fit (more decimals, beyond the bound, a naive datetime) raises at flush
time: nothing is rounded or clipped on the way into the database.
"""
from __future__ import annotations

from datetime import timezone
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, TypeDecorator

from . import money


class Hundredths(TypeDecorator):
    """An exact decimal with two places, stored as an integer number of hundredths."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, maximum: Decimal = money.MAX):
        super().__init__()
        self.maximum = Decimal(maximum)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return money.to_fen(value, maximum=self.maximum)

    def process_result_value(self, value, dialect):
        return None if value is None else money.from_fen(value)

    def process_literal_param(self, value, dialect):
        return str(self.process_bind_param(value, dialect))

    @property
    def python_type(self):
        return Decimal


class Money(Hundredths):
    """Yuan, stored as integer fen, bounded by ``services.kernel.money.MAX``."""

    cache_ok = True

    def __init__(self):
        super().__init__(money.MAX)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend; a naive datetime is refused (the clock gives UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: pass an aware one (the clock gives UTC)")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value
