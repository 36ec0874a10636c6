"""Delivering what is owed: each due delivery goes out by webhook or email, and its outcome is
committed on its own, so one slow or failing peer never holds back another's."""
from __future__ import annotations

from datetime import datetime

from . import mail, sharing, webhooks


def deliver_due(session, now: datetime, smtp: dict) -> int:
    """Attempt every delivery due at ``now``; returns how many were attempted."""
    attempted = 0
    for delivery, subscription, notice in sharing.due_deliveries(session, now):
        if subscription.url:
            error = webhooks.post(subscription.url, notice.envelope, subscription.secret)
        else:
            error = mail.send(smtp, subscription.email, notice)
        sharing.record_attempt(delivery, now, error)
        session.commit()  # one delivery's outcome must not wait on the next peer
        attempted += 1
    return attempted
