"""marshmallow pieces every service's schemas (and the event catalogue) share.

``Input`` is the base of every RPC/HTTP input schema: an unknown field is refused with a 400
naming it (a typo such as ``ammount`` must not silently fall back to a default). This is API
behaviour, documented in the README.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from . import ids, money, periods


def Id(**kwargs) -> fields.String:  # noqa: N802  (reads like a field class in a schema)
    """An id of ours or of another service: 1 to 64 characters."""
    return fields.String(validate=validate.Length(min=1, max=ids.MAX_LENGTH), **kwargs)


class Money(fields.Field):
    """Yuan: in from a string (or JSON number) with at most two decimals, out as ``"1200.50"``.

    More than two decimals is refused, not rounded; so are non-ASCII digits ("１２"), NaN,
    infinity and anything beyond ``services.kernel.money.MAX``. ``minimum`` (e.g. ``0``) and
    ``positive`` bound it below.
    """

    default_error_messages = {"invalid": "{reason}", "minimum": "must be at least {minimum}",
                              "positive": "must be more than 0"}

    def __init__(self, *, minimum: Decimal | int | None = None, positive: bool = False,
                 maximum: Decimal = money.MAX, **kwargs):
        super().__init__(**kwargs)
        self.minimum = None if minimum is None else Decimal(minimum)
        self.positive = positive
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        try:
            amount = money.parse(value, maximum=self.maximum)
        except money.MoneyError as exc:
            raise self.make_error("invalid", reason=str(exc)) from None
        if self.positive and amount <= 0:
            raise self.make_error("positive")
        if self.minimum is not None and amount < self.minimum:
            raise self.make_error("minimum", minimum=self.minimum)
        return amount

    def _serialize(self, value, attr, obj, **kwargs) -> str | None:
        return money.text(value)


def Hundredths(*, positive: bool = False, maximum: Decimal = Decimal("9999999999.99"), **kwargs) -> Money:  # noqa: N802
    """An exact two-decimal quantity that is not money (m², hours), same rules as :class:`Money`."""
    return Money(positive=positive, maximum=maximum, **kwargs)


class Period(fields.String):
    """A period key of ``services.kernel.periods`` (``2026Q4``, ``2026H2``...), of ``windows``."""

    def __init__(self, *windows: str, **kwargs):
        super().__init__(**kwargs)
        self.windows = windows or periods.WINDOWS

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        key = super()._deserialize(value, attr, data, **kwargs)
        try:
            periods.window_of(key, allowed=self.windows)
        except periods.PeriodError as exc:
            raise ValidationError(str(exc)) from None
        return key


class RuleRefSchema(Schema):
    """The exact policy text in force: rule id and the version of its file."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    policy = fields.String(load_default=None)


def RuleRef(**kwargs) -> fields.Nested:  # noqa: N802
    return fields.Nested(RuleRefSchema, **kwargs)


class When(fields.Field):
    """A stored moment out as ISO 8601 in UTC (whatever offset it was held in)."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()


class Input(Schema):
    """Base of every input schema: unknown fields are refused (400 naming the field)."""

    class Meta:
        unknown = RAISE
