"""``households.registered`` (a roster import's batch) leaves each reading service's read model as
the same households one by one in ``household.registered`` would: new rows, changed rows, links."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from services.identity import models as identity_models, places
from services.kernel import db, events
from services.management import linkage, models as management_models
from services.notifications import board, models as notification_models
from services.proposals import models as proposals_models, registers
from services.scoring import models as scoring_models, sources

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def person(rid: str, name: str, head: bool = False, party: bool = False) -> dict:
    return {"resident_id": rid, "name": name, "is_head": head, "party_member": party,
            "party_category": "in_office" if party else None, "cadre": False}


def household(n: int, **extra) -> dict:
    return {"household_id": f"hh{n}", "hamlet_id": "g1", "village_id": "v1", "town_id": "t1",
            "head_name": f"户主{n}", "party_member": n == 1, "hub_household_id": None,
            "village_name": "伍桂墩村", "hamlet_name": "一组", **extra}


FIRST = [household(1, residents=[person("r1", "张一", True, True), person("r1b", "张一妻")]),
         household(2, hub_household_id="hh1", residents=[person("r2", "李二", True), person("r2b", "李二子")]),
         household(3)]
# one changed (a resident gone, one renamed, one added), one new
SECOND = [household(2, hub_household_id="hh1", head_name="户主二",
                    residents=[person("r2", "李二二", True), person("r2c", "李二女", party=True)]),
          household(4, residents=[person("r4", "王四", True)])]


def sessions_for(models, tmp_path, name):
    engine = db.make_engine(f"sqlite:///{tmp_path}/{name}.sqlite")
    models.Base.metadata.create_all(engine)
    db.create_all(engine)
    return db.session_factory(engine)


def rows(session, model, *columns):
    return sorted(tuple(getattr(r, c) for c in columns) for r in session.scalars(select(model)))


def elected_hub(session):
    session.add(management_models.PartyGroup(id="grp", village_id="v1", hamlet_id="g1",
                                             leader_resident_id="r1", leader_name="张一"))
    session.flush()
    session.add(management_models.Hub(household_id="hh1", group_id="grp", hamlet_id="g1", village_id="v1",
                                      party_member_id="r1", party_member_name="张一", elected_at=NOW))
    session.flush()


def event(batch):
    return events.parse_envelope(events.make_envelope(
        "households.registered", {"village_id": "v1", "town_id": "t1", "households": batch}))


@pytest.mark.parametrize("service", ["identity", "scoring", "management", "notifications", "proposals"])
def test_a_batch_leaves_the_read_model_as_one_event_per_household_would(tmp_path, service):
    one_by_one = sessions_for(_MODELS[service], tmp_path, "single")
    batched = sessions_for(_MODELS[service], tmp_path, "batch")
    single, batch, read = _HANDLERS[service]
    with one_by_one() as session:
        if service == "management":  # hh1 is an elected hub: the roster's link is taken over
            elected_hub(session)
        for data in FIRST + SECOND:
            single(session, data)
            session.commit()
        expected = read(session)
    with batched() as session:
        if service == "management":  # hh1 is an elected hub: the roster's link is taken over
            elected_hub(session)
        for data in (FIRST, SECOND):
            batch(session, event(data))
            session.commit()
        assert read(session) == expected
    assert len(expected) >= 4


_MODELS = {"identity": identity_models, "scoring": scoring_models, "management": management_models,
           "notifications": notification_models, "proposals": proposals_models}
_HANDLERS = {
    "identity": (places.household_registered,
                 lambda s, e: places.households_registered(s, e.data),
                 lambda s: rows(s, identity_models.Place, "household_id", "hamlet_id", "village_id",
                                "town_id", "hub_household_id")),
    "scoring": (lambda s, d: sources.household_registered(s, d, NOW),
                lambda s, e: sources.households_registered(s, e.data, NOW),
                lambda s: rows(s, scoring_models.Household, "household_id", "hamlet_id", "head_name",
                               "party_member", "hub_household_id")),
    "management": (lambda s, d: linkage.household_registered(s, NOW, d),
                   lambda s, e: linkage.households_registered(s, NOW, e.data),
                   lambda s: rows(s, management_models.Household, "household_id", "head_name", "party_member",
                                  "roster_hub_id")
                   + rows(s, management_models.Link, "household_id", "hub_household_id", "linked_by")),
    "notifications": (lambda s, d: board.register_place(s, d),
                      lambda s, e: board.project(s, e, NOW),
                      lambda s: rows(s, notification_models.BoardPlace, "id", "kind", "name", "village_id")),
    "proposals": (lambda s, d: registers.household_registered(s, NOW, d),
                  lambda s, e: registers.households_registered(s, NOW, e.data),
                  lambda s: rows(s, proposals_models.RosterHousehold, "household_id", "village_id", "hamlet_id",
                                 "head_name")
                  + rows(s, proposals_models.RosterResident, "resident_id", "household_id", "village_id",
                         "hamlet_id", "name", "is_head", "party_member", "cadre")),
}
