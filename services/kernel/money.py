"""Money: yuan as ``Decimal`` in code and on the wire, integer fen (分) in every database.

One representation everywhere so that no service rounds differently from another:

- an amount is a ``Decimal`` with at most two decimals, between ``-MAX`` and ``MAX``;
- ``MAX`` is 999 999 999 999.99 yuan (10^14 fen - 1): far above any county budget, far below
  the 2^63 fen a BIGINT holds, and the same bound as the ``NUMERIC(14, 2)`` columns it replaces;
- on the wire and in views it is a string with two decimals (``"1200.50"``): JSON numbers are
  floats to most clients;
- where an amount is computed (a share of a budget), :func:`round_fen` rounds half up
  (四舍五入, as village accounts are kept). Input is never rounded: more decimals are refused.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX = Decimal("999999999999.99")

# ASCII digits only: Decimal() would otherwise read full-width or Arabic-Indic digits ("１２").
_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]{1,2})?", re.ASCII)
_LONG = re.compile(r"[+-]?[0-9]+\.[0-9]+", re.ASCII)


class MoneyError(ValueError):
    """Not an amount of money we accept; the message says why, in words a clerk can act on."""


def parse(value, *, maximum: Decimal = MAX) -> Decimal:
    """An exact amount from input (str, int or Decimal), or :class:`MoneyError`.

    A float (a JSON number) is read as its shortest repr, the digits the sender wrote: 1200.5
    is 1200.50, while 0.1 + 0.2 (0.30000000000000004) is refused for its decimals.
    """
    if isinstance(value, bool):
        raise MoneyError(f"not an amount: {value!r}")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError("amount must be a finite number")
        amount = value
        if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
            raise MoneyError("amount has more than two decimals (分 is the smallest unit)")
    elif isinstance(value, str):
        text = value.strip()
        if not _TEXT.fullmatch(text):
            if _LONG.fullmatch(text):
                raise MoneyError("amount has more than two decimals (分 is the smallest unit)")
            raise MoneyError(f"not an amount: {value!r} (use ASCII digits, e.g. \"1200.50\")")
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern already guarantees it
            raise MoneyError(f"not an amount: {value!r}") from None
    else:
        raise MoneyError(f"not an amount: {value!r}")
    if abs(amount) > maximum:
        raise MoneyError(f"amount exceeds the maximum of {maximum}")
    return amount.quantize(CENT)


def round_fen(value) -> Decimal:
    """A computed amount (a share, a ratio of a budget) rounded half up to the fen."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_fen(value, *, maximum: Decimal = MAX) -> int:
    """Integer fen of an exact amount (as :func:`parse` accepts it)."""
    return int(parse(value, maximum=maximum) * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(CENT)


def text(value) -> str | None:
    """The wire form: a string with exactly two decimals (``None`` stays ``None``)."""
    return None if value is None else str(Decimal(value).quantize(CENT))
