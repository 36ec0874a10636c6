"""Delivery lanes with a recording channel: order per subscriber, retries, ends, replays."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services.kernel import db, events
from services.notifications import sharing
from services.notifications.channels import Channel
from services.notifications.lanes import Lanes
from services.notifications.models import Base, Delivery, Subscription

NOW = datetime(2026, 6, 5, 9, 0, tzinfo=timezone.utc)
LOOPBACK = ["127.0.0.0/8"]


class Recorder(Channel):
    name = "webhook"

    def __init__(self):
        self.sent, self.fail = [], set()

    def send(self, sub, notices):
        self.sent.append((sub.id, [n.cause_event_id for n in notices]))
        return "HTTP 503" if sub.id in self.fail else None


@pytest.fixture
def sessions(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path}/lanes.sqlite")
    db.create_all(engine, Base.metadata)
    yield db.session_factory(engine)
    engine.dispose()


@pytest.fixture
def clock():
    class Clock:
        at = NOW
    return Clock


def _lanes(sessions, channel, clock):
    # spawn runs the lane at once: deterministic, and exactly what a green thread would do
    return Lanes(sessions, {"webhook": channel}, spawn=lambda fn, *a: fn(*a), now=lambda: clock.at)


def _share(sessions, n):
    ids = []
    with sessions() as session:
        for i in range(n):
            event = events.parse_envelope(events.make_envelope("good_deed.verified", {
                "deed_id": str(i), "household_id": "h1", "hamlet_id": "g3", "deed_code": "sweep",
                "verified_by": "c1"}))
            sharing.share(session, event, clock_at(session))
            ids.append(event.id)
        session.commit()
    return ids


def clock_at(_session):
    return NOW


def _subscribe(sessions, name):
    with sessions() as session:
        sub = sharing.subscribe(session, {"subscriber": name, "url": f"http://127.0.0.1/{name}",
                                          "patterns": ["good_deed.*"]}, NOW, allow=LOOPBACK)
        session.commit()
        return sub.id


def test_each_subscriber_gets_its_events_in_order_and_a_failing_one_holds_up_only_itself(sessions, clock):
    channel = Recorder()
    healthy, dead = _subscribe(sessions, "healthy"), _subscribe(sessions, "dead")
    channel.fail.add(dead)
    sent = _share(sessions, 3)
    assert _lanes(sessions, channel, clock).tick() == 2
    assert [ids for sub, ids in channel.sent if sub == healthy] == [[e] for e in sent]
    # the dead one was tried once, with its first event; the rest wait behind it, in order
    assert [ids for sub, ids in channel.sent if sub == dead] == [[sent[0]]]
    with sessions() as session:
        statuses = {(d.subscription_id, d.status) for d in session.scalars(select(Delivery))}
    assert statuses == {(healthy, "delivered"), (dead, "pending")}
    channel.sent.clear()
    assert _lanes(sessions, channel, clock).tick() == 0  # backing off: not due yet
    clock.at = NOW + sharing.RETRY_SCHEDULE[0]
    channel.fail.clear()
    _lanes(sessions, channel, clock).tick()
    assert channel.sent == [(dead, [e]) for e in sent]  # recovered: the same order


def test_retries_stop_when_the_subscription_ends_and_exhausted_ones_are_kept_for_replay(sessions, clock, monkeypatch):
    monkeypatch.setattr(sharing, "RETRY_SCHEDULE", [timedelta(seconds=1)] * 2)
    channel = Recorder()
    sub = _subscribe(sessions, "flaky")
    channel.fail.add(sub)
    [event_id] = _share(sessions, 1)
    lanes = _lanes(sessions, channel, clock)
    for step in range(3):
        clock.at = NOW + timedelta(seconds=step)
        lanes.tick()
    assert len(channel.sent) == 3
    with sessions() as session:
        [(delivery, _, notice)] = sharing.failed_deliveries(session)
        assert (delivery.attempts, notice.cause_event_id) == (3, event_id)
        assert sharing.replay(session, [delivery.id], clock.at) == [delivery.id]
        session.commit()
    channel.fail.clear()
    lanes.tick()
    assert channel.sent[-1] == (sub, [event_id])
    with sessions() as session:
        assert session.get(Delivery, delivery.id).status == "delivered"

    channel.fail.add(sub)
    _share(sessions, 1)
    lanes.tick()
    count = len(channel.sent)
    with sessions() as session:
        sharing.unsubscribe(session, session.get(Subscription, sub), clock.at)
        session.commit()
    clock.at += timedelta(hours=2)
    assert lanes.tick() == 0 and len(channel.sent) == count  # no retry after it ended
    with sessions() as session:
        assert {d.status for d in session.scalars(select(Delivery))} == {"delivered", "cancelled"}
        assert sharing.replay(session, None, clock.at) == []  # ended: nothing to replay into
