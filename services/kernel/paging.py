"""Every list is paged: ``limit`` (1..MAX_PAGE, default DEFAULT_PAGE) and ``offset`` (bounded),
one schema for every service's list queries and one helper for its SQL."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

DEFAULT_PAGE = 100
MAX_PAGE = 500
MAX_OFFSET = 1_000_000


class Page(Schema):
    """Mix into a list's query schema: ``class FooQuery(In, Page)``."""

    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


def paged(statement, limit: int | None = None, offset: int | None = 0):
    """``statement`` limited to one page. The API always passes the ``limit`` its query schema
    loaded (bounded); ``None`` is for a service's own internal reads of a whole set."""
    if limit is None:
        return statement
    return statement.limit(min(limit, MAX_PAGE)).offset(min(offset or 0, MAX_OFFSET))
