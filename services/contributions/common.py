"""Small helpers shared by the contributions domain modules (no nameko here)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from services.kernel.db import get_or_404  # noqa: F401  (re-exported)
from services.kernel.errors import ValidationFailed

from . import models

CENT = Decimal("0.01")
# Periods follow the villages' own calendar (China Standard Time, no daylight saving).
CHINA = timezone(timedelta(hours=8), "CST")


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value) -> str | None:
    return None if value is None else str(money(value))




def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed.from_messages({field: [message]})


def rule_of(decision: dict) -> dict:
    """The ``rule`` a decision carries (id, version, policy), copied into what we store."""
    rule = dict(decision.get("rule") or {})
    rule.setdefault("policy", decision.get("policy"))
    return rule


def period_of(at: datetime, window: str) -> tuple[str, datetime, datetime]:
    """The period key and its [start, end) bounds for a moment, in the villages' calendar."""
    local = at.astimezone(CHINA)
    year = local.year
    if window == "quarter":
        index = (local.month - 1) // 3
        key, first, months = f"{year}-Q{index + 1}", index * 3 + 1, 3
    elif window == "half_year":
        index = (local.month - 1) // 6
        key, first, months = f"{year}-H{index + 1}", index * 6 + 1, 6
    elif window == "year":
        key, first, months = f"{year}", 1, 12
    else:
        raise ValidationFailed.from_messages({"window": [f"unknown participation window {window!r}"]})
    start = datetime(year, first, 1, tzinfo=CHINA)
    end_month = first + months
    end = datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=CHINA)
    return key, start, end


def period_bounds(key: str) -> tuple[str, datetime, datetime]:
    """The window and bounds of a period key (2026-Q2, 2026-H1, 2026)."""
    try:
        if "-Q" in key:
            year, q = key.split("-Q")
            window, at = "quarter", datetime(int(year), (int(q) - 1) * 3 + 1, 1, tzinfo=CHINA)
            if not 1 <= int(q) <= 4:
                raise ValueError
        elif "-H" in key:
            year, h = key.split("-H")
            window, at = "half_year", datetime(int(year), (int(h) - 1) * 6 + 1, 1, tzinfo=CHINA)
            if not 1 <= int(h) <= 2:
                raise ValueError
        else:
            window, at = "year", datetime(int(key), 1, 1, tzinfo=CHINA)
    except ValueError:
        raise ValidationFailed.from_messages(
            {"period": [f"not a period: {key!r} (e.g. 2026-Q2, 2026-H1, 2026)"]}) from None
    _key, start, end = period_of(at, window)
    return window, start, end


def hamlet_chain(session: Session, hamlet_id: str) -> tuple[models.Hamlet, models.Village]:
    hamlet = get_or_404(session, models.Hamlet, hamlet_id, "hamlet")
    return hamlet, session.get(models.Village, hamlet.village_id)


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def utc(value: datetime) -> datetime:
    """Stored and compared in UTC: SQLite keeps wall time and would drop any other offset."""
    return aware(value).astimezone(timezone.utc)
