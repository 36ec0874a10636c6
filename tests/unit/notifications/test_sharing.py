from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services.kernel import db, events
from services.kernel.errors import NotFound, ValidationFailed
from services.notifications import sharing
from services.notifications.models import Base, Delivery, Notice
from tests.support.db import session_fixtures

NOW = datetime(2026, 6, 5, 9, 0, tzinfo=timezone.utc)
DEED = {"deed_id": "1", "household_id": "h1", "hamlet_id": "g3", "deed_code": "sweep", "verified_by": "c1"}

engine, session = session_fixtures(Base.metadata)
LOOPBACK = ["127.0.0.0/8"]  # the operator's allow-list: these tests' receivers are on loopback


def event(data=DEED, name="good_deed.verified"):
    return events.parse_envelope(events.make_envelope(name, data, subject="deed/1"))


def test_an_event_is_published_once_and_owed_to_matching_subscribers(session):
    sharing.subscribe(session, {"subscriber": "county-archive", "url": "http://127.0.0.1/a", "patterns": ["good_deed.*"]}, allow=LOOPBACK)
    sharing.subscribe(session, {"subscriber": "points-only", "url": "http://127.0.0.1/b", "patterns": ["points.*"]}, allow=LOOPBACK)
    e = event()
    notice = sharing.share(session, e, NOW)
    assert sharing.share(session, e, NOW) is None  # the same event again: no second notice
    session.commit()
    assert notice.headline.startswith("好人好事")
    deliveries = session.scalars(select(Delivery)).all()
    assert [(d.subscription_id, d.notice_id) for d in deliveries] == [(1, notice.id)]
    outbox_rows = session.execute(select(db.outbox_table)).all()
    assert [r.event_type for r in outbox_rows] == ["notice.published"]
    assert sharing.feed(session)[0].cause_event_id == e.id


def test_subscribing_to_a_pattern_that_matches_no_event_type_is_refused(session):
    with pytest.raises(ValidationFailed) as err:
        sharing.subscribe(session, {"subscriber": "x", "url": "http://a", "patterns": ["good_deed.*", "no_such.*"]})
    assert "no_such.*" in str(err.value.detail["fields"]["patterns"])
    assert session.scalars(select(sharing.Subscription)).all() == []


def test_failed_delivery_backs_off_then_gives_up(session):
    sharing.subscribe(session, {"subscriber": "s", "url": "http://127.0.0.1/a", "patterns": ["*"]}, allow=LOOPBACK)
    sharing.share(session, event(), NOW)
    delivery = session.scalars(select(Delivery)).one()
    now = NOW
    for expected in sharing.RETRY_SCHEDULE:
        sharing.record_attempt(delivery, now, "HTTP 503")
        assert delivery.status == "pending"
        assert delivery.next_attempt_at - now == expected
        assert sharing.due_deliveries(session, now + expected - timedelta(seconds=1)) == []
        now = delivery.next_attempt_at
    sharing.record_attempt(delivery, now, "HTTP 503")
    assert delivery.status == "failed" and delivery.attempts == len(sharing.RETRY_SCHEDULE) + 1


def test_unsubscribing_an_unknown_subscription_is_not_found(session):
    with pytest.raises(NotFound):
        sharing.subscription(session, "sub_nothing")
    assert session.scalars(select(Notice)).all() == []


def test_a_subscription_has_an_unguessable_id_and_is_seen_by_its_owner_only(session):
    from services.kernel.identity import Principal, Scope
    owner = Principal(subject="tok-a", role="integration", scopes=(Scope("village", "v-1"),))
    other = Principal(subject="tok-b", role="integration", scopes=(Scope("village", "v-1"),))
    operator = Principal(subject="tok-op", role="county_operator", scopes=(Scope("county", "*"),))
    made = [sharing.subscribe(session, {"subscriber": f"s{n}", "url": "http://127.0.0.1:9/hook",
                                        "patterns": ["*"], "owner": "tok-a"}, datetime(2026, 1, 1, tzinfo=timezone.utc),
                                allow=("127.0.0.0/8",))
            for n in range(2)]
    ids = [sub.public_id for sub in made]
    assert all(i.startswith("sub_") and len(i) >= 24 for i in ids) and ids[0] != ids[1]
    assert sharing.subscription(session, ids[0], owner) is made[0]
    assert sharing.subscription(session, ids[0], operator) is made[0]
    assert sharing.subscription(session, ids[0], None) is made[0]     # the platform's own call
    with pytest.raises(NotFound):                                      # as if it did not exist
        sharing.subscription(session, ids[0], other)
    with pytest.raises(NotFound):
        sharing.subscription(session, str(made[0].id), owner)          # the row number is no id
