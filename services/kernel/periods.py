"""Periods of the villages' calendar: one key format, in China Standard Time (Asia/Shanghai).

A cleaning day, a quarter of 乡风文明积分 or a half year of 党员评议 ends at local midnight, so
every period is computed from the local date, never from UTC.

=========  ===========  ==============================================
window     key          example
=========  ===========  ==============================================
week       YYYY-Www     ``2026-W23`` (ISO week, 清洁日)
month      YYYY-MM      ``2026-06``
quarter    YYYYQn       ``2026Q4`` (乡风文明积分, 参与率)
half_year  YYYYHn       ``2026H2`` (党员评议, 半年评议)
year       YYYY         ``2026``
=========  ===========  ==============================================
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")

WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.ASCII)
MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
QUARTER = re.compile(r"^(\d{4})Q([1-4])$", re.ASCII)
HALF = re.compile(r"^(\d{4})H([12])$", re.ASCII)
YEAR = re.compile(r"^(\d{4})$", re.ASCII)

PATTERNS = {"week": WEEK, "month": MONTH, "quarter": QUARTER, "half_year": HALF, "year": YEAR}
EXAMPLES = {"week": "2026-W23", "month": "2026-06", "quarter": "2026Q4", "half_year": "2026H2",
            "year": "2026"}
WINDOWS = tuple(PATTERNS)


class PeriodError(ValueError):
    """Not a period key (or not one of the windows asked for)."""


def local_date(moment: datetime | date) -> date:
    """The villages' date of a moment; a naive datetime is taken as UTC (as we store them)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo("UTC"))
        return moment.astimezone(TZ).date()
    return moment


def week_of(moment: datetime | date) -> str:
    year, week, _ = local_date(moment).isocalendar()
    return f"{year}-W{week:02d}"


def month_of(moment: datetime | date) -> str:
    day = local_date(moment)
    return f"{day.year}-{day.month:02d}"


def quarter_of(moment: datetime | date) -> str:
    day = local_date(moment)
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def half_of(moment: datetime | date) -> str:
    day = local_date(moment)
    return f"{day.year}H{1 if day.month <= 6 else 2}"


def year_of(moment: datetime | date) -> str:
    return str(local_date(moment).year)


_OF = {"week": week_of, "month": month_of, "quarter": quarter_of, "half_year": half_of,
       "year": year_of}


def period_of(moment: datetime | date, window: str) -> str:
    """The key of the ``window`` period that contains ``moment``."""
    if window not in _OF:
        raise PeriodError(f"unknown period window {window!r} (one of {', '.join(WINDOWS)})")
    return _OF[window](moment)


def window_of(key: str, *, allowed=WINDOWS) -> str:
    """Which window a key belongs to, or :class:`PeriodError` naming the expected forms."""
    for window in allowed:
        if PATTERNS[window].match(key or ""):
            if window == "week" and not 1 <= int(key[-2:]) <= 53:
                break
            if window == "month" and not 1 <= int(key[-2:]) <= 12:
                break
            return window
    examples = ", ".join(EXAMPLES[w] for w in allowed)
    raise PeriodError(f"not a period: {key!r} (e.g. {examples})")


def bounds(key: str) -> tuple[str, datetime, datetime]:
    """``(window, start, end)`` of a key: [start, end) as aware datetimes at local midnight."""
    window = window_of(key)
    year = int(key[:4])
    if window == "week":
        first = date.fromisocalendar(year, int(key[-2:]), 1)
        try:
            last = first + timedelta(days=7)
        except OverflowError:  # pragma: no cover - year 9999
            raise PeriodError(f"not a period: {key!r}") from None
        return window, _midnight(first), _midnight(last)
    if window == "year":
        first_month, months = 1, 12
    elif window == "half_year":
        first_month, months = (int(key[-1]) - 1) * 6 + 1, 6
    elif window == "quarter":
        first_month, months = (int(key[-1]) - 1) * 3 + 1, 3
    else:
        first_month, months = int(key[-2:]), 1
    end_index = first_month - 1 + months
    start = date(year, first_month, 1)
    end = date(year + end_index // 12, end_index % 12 + 1, 1)
    return window, _midnight(start), _midnight(end)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TZ)


def quarters_in(key: str) -> list[str]:
    """The quarters a quarter, half-year or year key covers (points are kept by quarter)."""
    window = window_of(key, allowed=("quarter", "half_year", "year"))
    year = key[:4]
    if window == "quarter":
        return [key]
    if window == "half_year":
        first = 1 if key[-1] == "1" else 3
        return [f"{year}Q{first}", f"{year}Q{first + 1}"]
    return [f"{year}Q{q}" for q in range(1, 5)]


def containing(quarter: str, window: str) -> str:
    """The ``window`` (quarter, half_year, year) period that contains ``quarter``."""
    window_of(quarter, allowed=("quarter",))
    year, q = quarter[:4], int(quarter[-1])
    if window == "quarter":
        return quarter
    if window == "half_year":
        return f"{year}H{1 if q <= 2 else 2}"
    if window == "year":
        return year
    raise PeriodError(f"unsupported window {window!r} (quarter, half_year or year)")


def is_ranking_period(key: str) -> bool:
    """Rankings are kept per quarter, half year or year."""
    try:
        window_of(key, allowed=("quarter", "half_year", "year"))
    except PeriodError:
        return False
    return True
