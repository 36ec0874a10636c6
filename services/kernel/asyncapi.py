"""The published event catalogue: JSON Schema per event type and one AsyncAPI 3.0 document.

Both are derived from the marshmallow schemas in ``services.kernel.catalogue`` (the one place an
event type is declared), so the documents cannot drift from what services publish: ``make docs``
writes them to ``docs/events/``, a test fails when the committed files differ, and the gateway
serves them (``/asyncapi.json``, and each event's ``dataschema`` URL).

A small converter rather than marshmallow-jsonschema: that library renders Decimal as a number
and DateTime without its zone, while our events carry money as exact decimal strings and
date-times with their UTC offset, which is exactly what integrators need to be told.
"""
from __future__ import annotations

import decimal
import json
from pathlib import Path

from marshmallow import Schema, fields, missing, validate

from . import events

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
AMQP_BINDING_VERSION = "0.3.0"
ZONED = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


# ---- marshmallow -> JSON Schema ------------------------------------------------------------

def _decimal(field: fields.Decimal) -> dict:
    places = field.places
    if isinstance(places, decimal.Decimal):
        places = -places.as_tuple().exponent
    if places:
        pattern = rf"^-?\d+\.\d{{{places}}}$"
        note = f"exact decimal as a string, {places} places (money in yuan: \"1200.00\")"
    else:
        pattern, note = r"^-?\d+(\.\d+)?$", "exact decimal as a string"
    return {"type": "string", "format": "decimal", "pattern": pattern, "description": note}


def field_schema(field: fields.Field) -> dict:
    """One marshmallow field as JSON Schema (the shape it has in a published event)."""
    if isinstance(field, fields.Nested):
        nested = field.schema
        out = schema_of(nested if isinstance(nested, Schema) else nested())
        if field.many:
            out = {"type": "array", "items": out}
    elif isinstance(field, fields.List):
        out = {"type": "array", "items": field_schema(field.inner)}
    elif isinstance(field, fields.Dict):
        out = {"type": "object"}
    elif isinstance(field, fields.Decimal):
        out = _decimal(field)
    elif isinstance(field, fields.Date):  # before DateTime: marshmallow's Date is a DateTime
        out = {"type": "string", "format": "date"}
    elif isinstance(field, (fields.AwareDateTime, fields.DateTime)):
        out = {"type": "string", "format": "date-time"}
        if isinstance(field, fields.AwareDateTime):
            out["pattern"] = ZONED
            out["description"] = "ISO 8601 with its UTC offset"
    elif isinstance(field, fields.Boolean):
        out = {"type": "boolean"}
    elif isinstance(field, fields.Integer):
        out = {"type": "integer"}
    elif isinstance(field, (fields.Float, fields.Number)):
        out = {"type": "number"}
    elif isinstance(field, fields.Email):
        out = {"type": "string", "format": "email"}
    elif isinstance(field, fields.Url):
        out = {"type": "string", "format": "uri"}
    elif isinstance(field, fields.String):
        out = {"type": "string"}
    else:  # fields.Raw and anything unknown: any JSON value
        out = {}
    for validator in _validators(field):
        if isinstance(validator, validate.OneOf):
            out["enum"] = list(validator.choices)
        elif isinstance(validator, validate.Equal):
            out["const"] = validator.comparable
        elif isinstance(validator, validate.Length):
            prefix = "Items" if out.get("type") == "array" else "Length"
            if validator.min is not None:
                out[f"min{prefix}"] = validator.min
            if validator.max is not None:
                out[f"max{prefix}"] = validator.max
            if validator.equal is not None:
                out[f"min{prefix}"] = out[f"max{prefix}"] = validator.equal
        elif isinstance(validator, validate.Range):
            if validator.min is not None:
                out["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
            if validator.max is not None:
                out["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
    if field.allow_none:
        kind = out.get("type")
        if kind:
            out["type"] = [kind, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"].append(None)
    return out


def _validators(field) -> list:
    return list(field.validators or [])


def _always_present(field: fields.Field) -> bool:
    # ``data`` is dumped from what the schema loaded, so a field with a load default is always
    # there (perhaps null) in a published event: integrators may rely on it.
    return field.required or field.load_default is not missing


def schema_of(schema: Schema) -> dict:
    props, required = {}, []
    for name, field in schema.fields.items():
        if field.load_only:
            continue
        key = field.data_key or name
        props[key] = field_schema(field)
        if _always_present(field):
            required.append(key)
    out = {"type": "object", "properties": props, "required": required}
    doc = (type(schema).__doc__ or "").strip()
    if doc:
        out["description"] = doc
    return out


# ---- examples -------------------------------------------------------------------------------

EXAMPLE_TIME = "2026-11-28T09:30:00+08:00"


def example_value(name: str, field: fields.Field):
    schema = field_schema(field)
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    if isinstance(field, fields.Nested):
        nested = field.schema if isinstance(field.schema, Schema) else field.schema()
        one = example_of(nested)
        return [one] if field.many else one
    if isinstance(field, fields.List):
        return [example_value(name.rstrip("s"), field.inner)]
    if isinstance(field, fields.Dict):
        return {}
    if isinstance(field, fields.Decimal):
        return "1200.00" if "\\.\\d{2}" in schema["pattern"] else "3"
    if isinstance(field, fields.Date):  # before DateTime: marshmallow's Date is a DateTime
        return EXAMPLE_TIME[:10]
    if isinstance(field, (fields.AwareDateTime, fields.DateTime)):
        return EXAMPLE_TIME
    if isinstance(field, fields.Boolean):
        return True
    if isinstance(field, fields.Integer):
        return max(1, schema.get("minimum", 1))
    if isinstance(field, (fields.Float, fields.Number)):
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return (low + high) / 2  # e.g. a rate in [0, 1]: 0.5
        return 1.5
    if isinstance(field, fields.Email):
        return "clerk@wuguidun.example"
    if isinstance(field, fields.Url):
        return "https://county.example/hooks/cocreate"
    if name.endswith("_id") or name.endswith("_ids") or name in ("by", "id"):
        return f"{name.removesuffix('_ids').removesuffix('_id')}-1"
    return f"{name} 示例"


def example_of(schema: Schema) -> dict:
    return {(f.data_key or n): example_value(n, f) for n, f in schema.fields.items() if not f.load_only}


# ---- per event -----------------------------------------------------------------------------

def schema_path(event_type: events.EventType) -> str:
    return f"schemas/events/{event_type.name}/v{event_type.version}.json"


def event_schema(event_type: events.EventType, base_url: str | None = None) -> dict:
    """The JSON Schema of one event type's ``data``, served at its ``dataschema`` URL."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": events.schema_url(event_type, base_url),
        "title": event_type.name,
        **schema_of(event_type.schema()),
        "x-cocreate-type": event_type.type,
        "x-cocreate-schemaversion": event_type.version,
        "examples": [example_of(event_type.schema())],
    }


def envelope_schema(event_type: events.EventType, base_url: str | None = None) -> dict:
    """The whole structured CloudEvent as it travels (AMQP body, webhook body)."""
    data = schema_of(event_type.schema())
    return {
        "type": "object",
        "required": ["specversion", "id", "source", "type", "time", "datacontenttype",
                     "dataschema", "schemaversion", "data"],
        "properties": {
            "specversion": {"type": "string", "const": events.SPECVERSION},
            "id": {"type": "string", "minLength": 1, "description": "unique per event; deduplicate on it"},
            "source": {"type": "string", "const": f"/cocreate/{event_type.source}"},
            "type": {"type": "string", "const": event_type.type},
            "time": {"type": "string", "format": "date-time", "pattern": ZONED},
            "subject": {"type": ["string", "null"], "description": "what the event is about, e.g. motion/m-17"},
            "datacontenttype": {"type": "string", "const": "application/json"},
            "dataschema": {"type": "string", "format": "uri",
                           "const": events.schema_url(event_type, base_url)},
            "schemaversion": {"type": "integer", "const": event_type.version},
            "data": data,
        },
    }


def example_envelope(event_type: events.EventType, base_url: str | None = None) -> dict:
    """A complete example event, loaded through the real schema (so it is a valid one)."""
    envelope = events.make_envelope(event_type.name, example_of(event_type.schema()),
                                    subject=f"{event_type.name.split('.')[0]}/example-1",
                                    event_id="6f1c2b9e-0000-4000-8000-000000000001",
                                    time=None)
    envelope["time"] = EXAMPLE_TIME
    envelope["dataschema"] = events.schema_url(event_type, base_url)
    return envelope


# ---- AsyncAPI 3.0 ----------------------------------------------------------------------------

def document(base_url: str | None = None) -> dict:
    """One channel per exchange and routing key, one send operation, one message per event type."""
    base = (base_url or events.public_url()).rstrip("/")
    channels, operations, messages = {}, {}, {}
    for t in events.all_types():
        key = t.name
        messages[key] = {
            "name": key,
            "title": t.description or key,
            "summary": t.description or key,
            "contentType": events.CONTENT_TYPE,
            "payload": envelope_schema(t, base),
            "headers": {"type": "object", "properties": {
                "content_type": {"type": "string", "const": events.CONTENT_TYPE}}},
            "bindings": {"amqp": {"contentEncoding": "utf-8", "messageType": t.type,
                                  "bindingVersion": AMQP_BINDING_VERSION}},
            "externalDocs": {"url": events.schema_url(t, base),
                             "description": "the JSON Schema of data (the dataschema URL)"},
            "examples": [{"name": "example", "payload": example_envelope(t, base)}],
        }
        audience = getattr(t, "audience", None)
        if audience:
            messages[key]["x-cocreate-audience"] = audience if isinstance(audience, (str, list)) else str(audience)
        channels[key] = {
            "address": t.name,
            "title": f"{t.exchange} / {t.name}",
            "description": f"topic exchange {t.exchange}, routing key {t.name}",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {"amqp": {
                "is": "routingKey",
                "exchange": {"name": t.exchange, "type": "topic", "durable": True,
                             "autoDelete": False, "vhost": "/"},
                "bindingVersion": AMQP_BINDING_VERSION}},
        }
        operations[f"publish.{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
            "bindings": {"amqp": {"deliveryMode": 2, "mandatory": True,
                                  "bindingVersion": AMQP_BINDING_VERSION}},
        }
    return {
        "asyncapi": "3.0.0",
        "id": "urn:cocreate:events",
        "info": {
            "title": "cocreate events 共同缔造事件目录",
            "version": catalogue_version(),
            "description": (
                "Every event the cocreate services publish, as structured CloudEvents 1.0 "
                "(content type application/cloudevents+json). Bind your own durable queue to the "
                "topic exchange of the channel, with the routing key (or a pattern such as "
                "motion.* or #). A kombu consumer must accept the content type: "
                "accept=['application/cloudevents+json', 'application/json']. Each event's data "
                "is described by the JSON Schema at its dataschema URL. Within one schemaversion "
                "changes only add optional fields; a breaking change is a new schemaversion."),
        },
        "defaultContentType": events.CONTENT_TYPE,
        "servers": {"broker": {"host": "rabbitmq:5672", "protocol": "amqp",
                               "protocolVersion": "0.9.1",
                               "description": "the deployment's RabbitMQ (ask the operator for an account)"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
        "externalDocs": {"url": f"{base}/asyncapi.json"},
    }


def catalogue_version() -> str:
    """Changes whenever any type's schema version changes or a type is added or removed."""
    types = events.all_types()
    return f"1.{len(types)}.{sum(t.version for t in types)}"


# ---- files -----------------------------------------------------------------------------------

def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def files(base_url: str | None = None) -> dict[str, str]:
    """Relative path -> content of every published document."""
    out = {"asyncapi.json": dumps(document(base_url))}
    for t in events.all_types():
        out[schema_path(t)] = dumps(event_schema(t, base_url))
    return out


def write(directory: Path, base_url: str | None = None) -> list[Path]:
    written = []
    for relative, text in files(base_url).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale(directory: Path, base_url: str | None = None) -> list[str]:
    """Documents missing, different, or left over in ``directory``."""
    expected = files(base_url)
    problems = [rel for rel, text in expected.items()
                if not (directory / rel).exists() or (directory / rel).read_text(encoding="utf-8") != text]
    schemas = directory / "schemas" / "events"
    if schemas.exists():
        problems += [str(p.relative_to(directory)) for p in sorted(schemas.rglob("*.json"))
                     if str(p.relative_to(directory)) not in expected]
    return problems
