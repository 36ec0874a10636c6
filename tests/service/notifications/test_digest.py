"""Digests: a daily subscriber gets one mail a day with everything new, at 08:00 Beijing time,
through a real SMTP server on loopback. The lanes run with a clock the test moves."""
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header

import pytest

from services.kernel import db, events
from services.notifications import sharing
from services.notifications.channels import EmailChannel
from services.notifications.lanes import Lanes
from services.notifications.models import Base
from tests.support.smtp_peer import SmtpPeer
from tests.support.wait import until

pytestmark = pytest.mark.service

# 2026-06-05 02:00 UTC = 10:00 in Beijing, a Friday
MORNING = datetime(2026, 6, 5, 2, 0, tzinfo=timezone.utc)


def _deed(n):
    return events.parse_envelope(events.make_envelope("good_deed.verified", {
        "deed_id": f"d{n}", "household_id": f"h{n}", "hamlet_id": "g3", "deed_code": "扫雪",
        "verified_by": "c1"}, subject=f"deed/d{n}"))


def test_daily_and_weekly_digests_gather_the_notices_into_one_mail(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path}/digest.sqlite")
    db.create_all(engine, Base.metadata)
    sessions = db.session_factory(engine)
    clock = {"at": MORNING}
    with SmtpPeer(tmp_path / "maildir") as smtp:
        channel = EmailChannel({"host": "127.0.0.1", "port": smtp.port, "from": "board@wuguidun.example"},
                               "https://cocreate.county.example")
        lanes = Lanes(sessions, {"email": channel}, spawn=lambda fn, *a: fn(*a), now=lambda: clock["at"])
        with sessions() as session:
            daily = sharing.subscribe(session, {"subscriber": "黄远福", "email": "huang@wuguidun.example",
                                                "patterns": ["good_deed.*"], "digest": "daily"}, MORNING)
            weekly = sharing.subscribe(session, {"subscriber": "周书记", "email": "zhou@wuguidun.example",
                                                 "patterns": ["good_deed.*"], "digest": "weekly"}, MORNING)
            for sub in (daily, weekly):
                sharing.confirm(session, sub.token, MORNING)
            for n in range(3):
                sharing.share(session, _deed(n), MORNING + timedelta(minutes=n))
            session.commit()
            daily_id, weekly_id = daily.id, weekly.id

        clock["at"] = MORNING + timedelta(hours=10)  # 20:00 Beijing: no digest yet
        lanes.tick()
        assert smtp.messages() == []

        clock["at"] = MORNING + timedelta(hours=22)  # 08:00 Beijing on Saturday
        lanes.tick()
        [digest] = until(smtp.messages, message="the daily digest")
        assert digest["To"] == "huang@wuguidun.example"
        assert str(make_header(decode_header(digest["Subject"]))) == "共同缔造 公示汇总：3 条新公示"
        body = digest.get_payload(decode=True).decode("utf-8")
        assert "过去一天，公开栏共有 3 条新的公示" in body
        assert "2026年06月05日 10:00（北京时间）" in body  # local time, not UTC
        assert all(f"h{n}" in body for n in range(3)) and "每日汇总" in body

        with sessions() as session:
            sharing.share(session, _deed(3), clock["at"] + timedelta(minutes=5))
            session.commit()
        clock["at"] += timedelta(hours=2)
        lanes.tick()
        assert len(smtp.messages()) == 1  # the next daily one waits for Sunday 08:00

        clock["at"] = datetime(2026, 6, 8, 0, 0, tzinfo=timezone.utc)  # Monday 08:00 Beijing
        lanes.tick()
        mails = until(lambda: len(smtp.messages()) == 3 and smtp.messages(), message="Sunday's daily and Monday's weekly")
        weekly_mail = next(m for m in mails if m["To"] == "zhou@wuguidun.example")
        assert "过去一周，公开栏共有 4 条新的公示" in weekly_mail.get_payload(decode=True).decode("utf-8")
        with sessions() as session:
            assert sharing.delivery_counts(session, daily_id) == {"delivered": 4}
            assert sharing.delivery_counts(session, weekly_id) == {"delivered": 4}
    engine.dispose()
