"""The published catalogue (AsyncAPI 3.0 + JSON Schema) says exactly what services publish."""
import copy

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from services.kernel import asyncapi, events
from services.kernel.catalogue import planning
from services.kernel.config import ROOT
from services.kernel.events import DEFAULT_PUBLIC_URL

TYPES = events.all_types()


def _errors(schema, instance):
    return sorted(e.message for e in Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(instance))


def test_committed_documents_match_the_catalogue():
    assert asyncapi.stale(ROOT / "docs" / "events", DEFAULT_PUBLIC_URL) == [], "run `make docs`"


def test_stale_notices_a_changed_missing_or_left_over_document(tmp_path):
    asyncapi.write(tmp_path, DEFAULT_PUBLIC_URL)
    assert asyncapi.stale(tmp_path, DEFAULT_PUBLIC_URL) == []
    (tmp_path / "asyncapi.json").write_text("{}", encoding="utf-8")
    (tmp_path / asyncapi.schema_path(TYPES[0])).unlink()
    (tmp_path / "schemas/events/gone.event").mkdir()
    (tmp_path / "schemas/events/gone.event/v1.json").write_text("{}", encoding="utf-8")
    assert sorted(asyncapi.stale(tmp_path, DEFAULT_PUBLIC_URL)) == sorted(
        ["asyncapi.json", asyncapi.schema_path(TYPES[0]), "schemas/events/gone.event/v1.json"])


def test_one_channel_per_exchange_and_routing_key_with_its_amqp_binding():
    doc = asyncapi.document("https://cocreate.county.example")
    assert doc["asyncapi"] == "3.0.0" and doc["defaultContentType"] == "application/cloudevents+json"
    assert len(doc["channels"]) == len(TYPES) >= 40
    for t in TYPES:
        channel = doc["channels"][t.name]
        assert channel["address"] == t.name
        amqp = channel["bindings"]["amqp"]
        assert amqp["is"] == "routingKey" and amqp["exchange"]["name"] == t.exchange
        assert amqp["exchange"]["type"] == "topic"
        message = doc["components"]["messages"][t.name]
        assert message["contentType"] == "application/cloudevents+json"
        assert message["payload"]["properties"]["dataschema"]["const"] == \
            f"https://cocreate.county.example/schemas/events/{t.name}/v{t.version}.json"
        assert doc["operations"][f"publish.{t.name}"]["action"] == "send"


@pytest.mark.parametrize("event_type", TYPES, ids=[t.name for t in TYPES])
def test_each_example_is_a_valid_event_by_both_schemas(event_type):
    example = asyncapi.example_envelope(event_type)
    events.parse_envelope(example)  # our marshmallow schema accepts it
    assert _errors(asyncapi.envelope_schema(event_type), example) == []
    assert _errors(asyncapi.event_schema(event_type), example["data"]) == []


def test_enums_formats_and_required_fields_come_from_the_marshmallow_schemas():
    schema = asyncapi.event_schema(events.get("motion.transitioned"))
    props = schema["properties"]
    assert props["to_state"]["enum"] == planning.MOTION_STATES
    assert props["from_state"]["enum"] == [*planning.MOTION_STATES, None]  # allow_none
    assert props["estimated_budget"]["format"] == "decimal" and props["estimated_budget"]["type"] == ["string", "null"]
    assert props["at"]["format"] == "date-time"
    assert {"motion_id", "to_state", "at", "why"} <= set(schema["required"])  # why: always dumped (default "")

    data = asyncapi.example_envelope(events.get("motion.transitioned"))["data"]
    assert _errors(schema, data) == []
    for bad in ({"estimated_budget": 1200.5},            # money is a decimal string, not a float
                {"estimated_budget": "1200.5"},           # with its two places
                {"at": "2026-11-28T09:30:00"},            # a date-time carries its zone
                {"to_state": "teleported"},               # an enumerated code outside its list
                {"motion_id": None}):                     # required, not nullable
        broken = {**copy.deepcopy(data), **bad}
        assert _errors(schema, broken), bad
    missing = {k: v for k, v in data.items() if k != "village_id"}
    assert any("village_id" in e for e in _errors(schema, missing))


def test_events_as_services_make_them_carry_an_http_dataschema_that_names_their_version():
    envelope = events.make_envelope("good_deed.verified", {
        "deed_id": "d1", "household_id": "h1", "hamlet_id": "g3", "deed_code": "sweep",
        "verified_by": "cadre-1"})
    assert envelope["dataschema"].endswith("/schemas/events/good_deed.verified/v1.json")
    assert envelope["dataschema"].startswith("http")
    assert _errors(asyncapi.envelope_schema(events.get("good_deed.verified")), envelope) == []
