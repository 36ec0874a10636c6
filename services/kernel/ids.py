"""Identifiers every service mints: ``<prefix>-<16 hex>``, e.g. ``mot-3f2a9c0d1b7e4a55``.

The prefix tells a reader what kind of thing an id names (in logs, events, URLs); 64 random
bits are plenty for the rows of one county and keep ids short enough to read out on the phone.
"""
from __future__ import annotations

import uuid

MAX_LENGTH = 64  # every id column and every ``Id`` field allows this much


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"
