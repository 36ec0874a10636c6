import pytest

from services.kernel import catalogue, events
from services.kernel.errors import EventSchemaError, UnknownEventType

DEED = {"deed_id": "1", "household_id": "h1", "hamlet_id": "g3", "deed_code": "sweep",
        "verified_by": "c1"}


def test_envelope_is_a_structured_cloudevent_with_schema_version():
    envelope = events.make_envelope("good_deed.verified", DEED, subject="deed/1")
    assert envelope["specversion"] == "1.0"
    assert envelope["type"] == "cn.cocreate.good_deed.verified"
    assert envelope["source"] == "/cocreate/proposals"
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["schemaversion"] == catalogue.get("good_deed.verified").version
    assert envelope["subject"] == "deed/1"
    assert envelope["data"]["household_id"] == "h1"
    parsed = events.parse_envelope(envelope)
    assert (parsed.id, parsed.name, parsed.data["deed_code"]) == (envelope["id"], "good_deed.verified", "sweep")


def test_publishing_data_that_fails_its_schema_raises_naming_the_field():
    with pytest.raises(EventSchemaError) as err:
        events.make_envelope("good_deed.verified", dict(DEED, household_id=None))
    assert "household_id" in err.value.detail["fields"]


def test_unknown_type_is_refused_on_both_sides():
    with pytest.raises(UnknownEventType):
        events.make_envelope("no.such.event", {})
    envelope = events.make_envelope("good_deed.verified", DEED)
    with pytest.raises(EventSchemaError, match="unknown event type"):
        events.parse_envelope(dict(envelope, type="cn.cocreate.no.such.event"))


@pytest.mark.parametrize("change, field", [
    ({"specversion": "0.3"}, "specversion"),
    ({"id": ""}, "id"),
    ({"time": "yesterday"}, "time"),
    ({"schemaversion": 99}, "schemaversion"),
])
def test_received_envelope_is_checked(change, field):
    envelope = dict(events.make_envelope("good_deed.verified", DEED), **change)
    with pytest.raises(EventSchemaError) as err:
        events.parse_envelope(envelope)
    assert field in err.value.detail["fields"]


def test_every_event_type_is_declared_once_with_a_schema():
    names = [t.name for t in events.all_types()]
    assert len(names) == len(set(names))
    with pytest.raises(ValueError, match="declared twice"):
        events.declare("good_deed.verified", "proposals", catalogue.planning.GoodDeedVerified)
    for event_type in events.all_types():
        assert event_type.source in {"proposals", "contributions", "scoring", "notifications", "rules",
                                     "management"}
        assert event_type.schema is not None
