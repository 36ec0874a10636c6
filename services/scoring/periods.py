"""Periods of 双向共评: ISO week (清洁日), month, quarter (乡风文明积分), half year (党员评议, 半年评议), year.

Periods are keys such as ``2025-W23``, ``2025-06``, ``2025Q2``, ``2025H1``, ``2025``. They are
computed in China Standard Time, because a cleaning day or a quarter ends at local midnight.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
HALF = re.compile(r"^(\d{4})H([12])$")
YEAR = re.compile(r"^(\d{4})$")
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def local_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return moment.astimezone(TZ).date() if moment.tzinfo else moment.date()
    return moment


def quarter_of(moment: datetime | date) -> str:
    day = local_date(moment)
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def half_of(moment: datetime | date) -> str:
    day = local_date(moment)
    return f"{day.year}H{1 if day.month <= 6 else 2}"


def month_of(moment: datetime | date) -> str:
    day = local_date(moment)
    return f"{day.year}-{day.month:02d}"


def week_of(moment: datetime | date) -> str:
    year, week, _ = local_date(moment).isocalendar()
    return f"{year}-W{week:02d}"


def quarters_in(period: str) -> list[str]:
    """The quarters a quarter, half-year or year key covers (entries are stored by quarter)."""
    if QUARTER.match(period):
        return [period]
    if m := HALF.match(period):
        first = 1 if m.group(2) == "1" else 3
        return [f"{m.group(1)}Q{first}", f"{m.group(1)}Q{first + 1}"]
    if m := YEAR.match(period):
        return [f"{m.group(1)}Q{q}" for q in range(1, 5)]
    raise ValueError(f"not a quarter, half-year or year: {period!r}")


def containing(quarter: str, kind: str) -> str:
    """The period of ``kind`` (quarter, half_year, year) that contains ``quarter``."""
    m = QUARTER.match(quarter)
    if not m:
        raise ValueError(f"not a quarter: {quarter!r}")
    year, q = m.group(1), int(m.group(2))
    if kind == "quarter":
        return quarter
    if kind == "half_year":
        return f"{year}H{1 if q <= 2 else 2}"
    if kind == "year":
        return year
    raise ValueError(f"unsupported cap period {kind!r}")


def is_ranking_period(period: str) -> bool:
    return bool(QUARTER.match(period) or HALF.match(period) or YEAR.match(period))
