"""API tokens: issued once, stored as a digest, refused when revoked or expired or wrong."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services.identity import places, tokens
from services.identity.models import ApiToken, Base
from services.kernel.errors import NotFound, ValidationFailed
from services.kernel.identity import Unauthenticated
from tests.support.db import session_fixtures

engine, session = session_fixtures(Base.metadata)
NOW = datetime(2026, 11, 30, 9, tzinfo=timezone.utc)


def test_only_the_digest_is_stored_and_the_token_verifies(session):
    row, token = tokens.issue(session, "张书记", "village_cadre", ["village:wuguidun"], 30, NOW)
    session.commit()
    stored = session.scalars(select(ApiToken)).one()
    secret = token.split("_", 2)[2]
    assert len(secret) >= 43 and secret not in stored.digest and secret not in str(stored.scopes)
    principal = tokens.verify(session, token, NOW)
    assert (principal.role, [str(s) for s in principal.scopes]) == ("village_cadre", ["village:wuguidun"])
    assert principal.subject == f"token:{row.id}" and "张" not in principal.dumps()


def test_revoked_expired_and_forged_tokens_are_refused(session):
    row, token = tokens.issue(session, "r", "resident", ["household:h-1"], 1, NOW)
    other_row, other = tokens.issue(session, "s", "resident", ["household:h-2"], 10, NOW)
    session.commit()
    with pytest.raises(Unauthenticated):
        tokens.verify(session, token, NOW + timedelta(days=1))          # expired
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in [forged, "cct_nope_x", "cct_", "hello", None, f"cct_{row.id}_"]:
        with pytest.raises(Unauthenticated):
            tokens.verify(session, bad, NOW)
    tokens.revoke(session, other_row.id, NOW)
    with pytest.raises(Unauthenticated):
        tokens.verify(session, other, NOW)
    assert {r.id: tokens.status(r, NOW + timedelta(days=2)) for r in tokens.list_all(session)} == {
        row.id: "expired", other_row.id: "revoked"}
    with pytest.raises(NotFound):
        tokens.revoke(session, "missing", NOW)


@pytest.mark.parametrize("name, role, scopes, days, field", [
    ("", "resident", ["household:h"], 1, "name"),
    ("x", "mayor", ["village:v"], 1, "role"),
    ("x", "village_cadre", ["household:h"], 1, "scope"),
    ("x", "resident", ["household:h"], 0, "expires_days"),
])
def test_bad_requests_name_the_field_and_store_nothing(session, name, role, scopes, days, field):
    with pytest.raises(ValidationFailed) as refused:
        tokens.issue(session, name, role, scopes, days, NOW)
    assert field in refused.value.detail["fields"]
    assert session.scalars(select(ApiToken)).all() == []


def test_a_town_resolves_to_its_villages_and_a_hub_to_its_linked_households(session):
    for h, hub, village in [("h-1", None, "v1"), ("h-2", "h-1", "v1"), ("h-3", "h-1", "v2"), ("h-4", None, "v3")]:
        places.household_registered(session, {"household_id": h, "hamlet_id": "g", "village_id": village,
                                              "town_id": "t2" if village == "v3" else "t1",
                                              "hub_household_id": hub})
    _, town = tokens.issue(session, "镇", "town_staff", ["town:t1"], 5, NOW)
    _, hub = tokens.issue(session, "中心户", "hub_household", ["household:h-1"], 5, NOW)
    session.commit()
    assert tokens.verify(session, town, NOW).villages == ("v1", "v2")
    linked = tokens.verify(session, hub, NOW)
    assert linked.ids("household") == ["h-1", "h-2", "h-3"]
    assert linked.covers({"household": "h-3"}) and not linked.covers({"household": "h-4"})
