"""Delivering a notice to a person's mailbox (SMTP), in plain words with the facts below."""
from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage


def render(notice, to: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"共同缔造 公示: {notice.headline}"
    message["From"] = sender
    message["To"] = to
    facts = json.dumps(notice.data, ensure_ascii=False, indent=2)
    message.set_content(
        f"{notice.headline}\n\n"
        f"事项 type: {notice.cause_type}\n关于 about: {notice.subject or '-'}\n"
        f"时间 published: {notice.published_at.isoformat()}\n\n{facts}\n\n"
        "— 共同缔造 公开栏 public board. You receive this because you subscribed to these results.\n")
    return message


def send(smtp: dict, to: str, notice) -> str | None:
    """Hand the notice to the SMTP server; returns None once it accepted it, else the reason."""
    message = render(notice, to, smtp.get("from") or "cocreate@localhost")
    try:
        with smtplib.SMTP(smtp.get("host") or "127.0.0.1", int(smtp.get("port") or 25), timeout=10) as server:
            if str(smtp.get("starttls")).lower() == "true":
                server.starttls()
            if smtp.get("user"):
                server.login(smtp["user"], smtp.get("password") or "")
            server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
