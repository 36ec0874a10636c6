"""Polling with a deadline: the bus is asynchronous, tests must not sleep a fixed time."""
from __future__ import annotations

import time


def until(predicate, timeout: float = 15.0, interval: float = 0.05, message: str = "condition"):
    """Return predicate()'s first truthy value; fail with ``message`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}; last value: {last!r}")
