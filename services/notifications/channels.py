"""Delivery channels: how notices reach a subscriber. Adding one (SMS, WeChat) is one class here
with ``name``, ``batch``, ``needs_confirmation``, ``ready``, ``send`` (and ``confirm`` if it
asks people to opt in), registered in :func:`channels`; the lanes (``lanes.py``) do the rest:
ordering, retries with backoff, giving up, replays.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from . import mail, webhooks


class Channel:
    name = ""
    batch = 1                   # notices handed to one send (a digest takes them all)
    needs_confirmation = False  # double opt-in: nothing is sent before the owner confirmed

    def ready(self, sub, now: datetime) -> bool:
        """Whether this subscriber is due a send now (digests wait for their hour)."""
        return True

    def send(self, sub, notices: list) -> str | None:
        """Deliver; None when the receiver took them, else the reason (the attempt is retried)."""
        raise NotImplementedError

    def confirm(self, sub) -> str | None:
        """Ask the owner to confirm the subscription; None once the request went out."""
        return None


class WebhookChannel(Channel):
    """A county system's URL: one event per request, in order, signed (Standard Webhooks)."""

    name = "webhook"

    def __init__(self, allow=(), timeout: float = webhooks.TIMEOUT):
        self.allow = allow or ()  # a list, or the comma-separated string from the environment
        self.timeout = timeout

    def send(self, sub, notices):
        [notice] = notices
        return webhooks.post(sub.url, notice.envelope, sub.secret, allow=self.allow, timeout=self.timeout)


def aware(dt: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one we store is UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def next_digest(after: datetime, digest: str, hour: int = 8) -> datetime:
    """The first digest time strictly after ``after``: 08:00 Beijing time, daily or on Mondays."""
    local = aware(after).astimezone(mail.LOCAL_TZ)
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at <= local:
        at += timedelta(days=1)
    if digest == "weekly":
        at += timedelta(days=(7 - at.weekday()) % 7)
    return at


class EmailChannel(Channel):
    """A person's mailbox: confirmed first; then each notice, or a daily or weekly digest."""

    name = "email"
    batch = 200
    needs_confirmation = True

    def __init__(self, smtp: dict, public_url: str):
        self.smtp = smtp or {}
        self.public_url = public_url.rstrip("/")
        self.sender = self.smtp.get("from") or "cocreate@localhost"

    def links(self, sub) -> mail.Links:
        return mail.Links(self.public_url, sub.token)

    def ready(self, sub, now):
        if sub.digest == "immediate":
            return True
        since = sub.last_sent_at or sub.confirmed_at or sub.created_at
        return now >= next_digest(since, sub.digest)

    def send(self, sub, notices):
        return mail.send(self.smtp, mail.notices_mail(sub, notices, self.links(sub), self.sender))

    def confirm(self, sub):
        return mail.send(self.smtp, mail.confirmation(sub, self.links(sub), self.sender))


def channels(config: dict, public_url: str) -> dict[str, Channel]:
    return {
        "webhook": WebhookChannel(allow=config.get("WEBHOOK_ALLOW_NETWORKS") or (),
                                  timeout=float(config.get("WEBHOOK_TIMEOUT") or webhooks.TIMEOUT)),
        "email": EmailChannel(config.get("SMTP") or {}, public_url),
    }
