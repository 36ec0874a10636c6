"""The event envelope (CloudEvents 1.0, structured JSON) and the catalogue registry.

Every event type is declared once, with its marshmallow schema, through :func:`declare`
(see ``services.kernel.catalogue``). On the bus an event is published to the topic exchange
``<source>.events`` with routing key ``name`` (e.g. ``motion.decided``), so a county system can
bind its own queue to it without our code.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from . import fastload
from .errors import EventSchemaError, UnknownEventType

SPECVERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
TYPE_PREFIX = "cn.cocreate."


@dataclass(frozen=True)
class EventType:
    name: str                      # routing key, e.g. "motion.decided"
    source: str                    # the owning service; its exchange is "<source>.events"
    schema: type[Schema]
    version: int = 1
    description: str = ""
    audience: str | None = None    # who may read it: one of AUDIENCES (村务公开 or narrower)

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.name

    @property
    def exchange(self) -> str:
        return exchange_for(self.source)


def exchange_for(service: str) -> str:
    """nameko's own naming, so nameko handlers and county systems see the same exchange."""
    return f"{service}.events"


_CATALOGUE: dict[str, EventType] = {}

DEFAULT_PUBLIC_URL = "http://localhost:8000"
_public_url: str | None = None


def set_public_url(url: str | None) -> None:
    """The gateway's address as county systems reach it (config ``PUBLIC_URL``)."""
    global _public_url
    _public_url = url.rstrip("/") if url else None


def public_url() -> str:
    global _public_url
    if _public_url is None:
        from . import config as kconfig  # late: config reads the file once, when first needed
        try:
            set_public_url(kconfig.load().get("PUBLIC_URL") or DEFAULT_PUBLIC_URL)
        except (OSError, KeyError):
            set_public_url(DEFAULT_PUBLIC_URL)
    return _public_url


def schema_url(event_type: "EventType", base_url: str | None = None) -> str:
    """Where the JSON Schema of an event's ``data`` is served: its ``dataschema``."""
    base = (base_url or public_url()).rstrip("/")
    return f"{base}/schemas/events/{event_type.name}/v{event_type.version}.json"
# Who may read an event's content. Only "public" reaches the public board 公开栏 and its feed;
# "village" is for the village's cadres and committees, "household" for the people it concerns,
# "internal" is plumbing between services (no notice is written for it at all).
AUDIENCES = ("public", "village", "household", "internal")


def declare(name: str, source: str, schema: type[Schema], version: int = 1,
            description: str = "", audience: str | None = None) -> EventType:
    if name in _CATALOGUE:
        raise ValueError(f"event type {name!r} is declared twice")
    if audience is not None and audience not in AUDIENCES:
        raise ValueError(f"event type {name!r}: audience {audience!r} is not one of {AUDIENCES}")
    event_type = EventType(name, source, schema, version, description, audience)
    _CATALOGUE[name] = event_type
    return event_type


def get(name: str) -> EventType:
    try:
        return _CATALOGUE[name]
    except KeyError:
        raise UnknownEventType({"message": f"unknown event type {name!r}", "type": name}) from None


def all_types() -> list[EventType]:
    return sorted(_CATALOGUE.values(), key=lambda t: (t.source, t.name))


def audience_of(name: str) -> str:
    """The declared audience; an undeclared one counts as internal, so nothing leaks by default."""
    event_type = _CATALOGUE.get(name)
    return (event_type.audience if event_type else None) or "internal"


def public_names() -> list[str]:
    return sorted(t.name for t in _CATALOGUE.values() if t.audience == "public")


def name_from_type(ce_type: str) -> str:
    return ce_type[len(TYPE_PREFIX):] if ce_type.startswith(TYPE_PREFIX) else ce_type


@dataclass(frozen=True)
class Event:
    """A received, validated event: ``data`` is loaded through the catalogue schema."""

    id: str
    name: str
    source: str
    time: datetime
    data: dict
    subject: str | None = None
    schemaversion: int = 1
    envelope: dict = field(default_factory=dict, compare=False, repr=False)


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # CloudEvents allows extension attributes we do not know

    specversion = fields.String(required=True, validate=validate.Equal(SPECVERSION))
    id = fields.String(required=True, validate=validate.Length(min=1))
    source = fields.String(required=True, validate=validate.Length(min=1))
    type = fields.String(required=True, validate=validate.Length(min=1))
    time = fields.AwareDateTime(required=True)
    subject = fields.String(allow_none=True)
    datacontenttype = fields.String(validate=validate.Equal("application/json"))
    schemaversion = fields.Integer(required=True, strict=True)
    data = fields.Dict(required=True)


_COMPILED: dict[str, tuple] = {}  # event name -> (load, dump)


def loader(event_type: EventType):
    """The type's compiled ``schema.load`` (``services.kernel.fastload``), built once."""
    return _compiled(event_type)[0]


def dumper(event_type: EventType):
    """The type's compiled ``schema.dump``."""
    return _compiled(event_type)[1]


def _compiled(event_type: EventType):
    pair = _COMPILED.get(event_type.name)
    if pair is None:
        schema = event_type.schema()
        pair = _COMPILED[event_type.name] = (fastload.compile_loader(schema), fastload.compile_dumper(schema))
    return pair


_load_envelope = fastload.compile_loader(EnvelopeSchema)


def _check_data(event_type: EventType, data: Any) -> dict:
    try:
        return loader(event_type)(data if data is not None else {})
    except ValidationError as exc:
        raise EventSchemaError({
            "message": f"{event_type.name}: data fails its schema",
            "type": event_type.name, "fields": exc.messages,
        }) from None


def make_envelope(name: str, data: dict, subject: str | None = None, *,
                  event_id: str | None = None, time: datetime | None = None) -> dict:
    """Build a structured CloudEvent; raises EventSchemaError when ``data`` fails its schema.
    ``data`` goes out as its schema writes it (money as ``"1200.50"``, times in ISO 8601)."""
    event_type = get(name)
    loaded = _check_data(event_type, data)
    return {
        "specversion": SPECVERSION,
        "id": event_id or str(uuid.uuid4()),
        "source": f"/cocreate/{event_type.source}",
        "type": event_type.type,
        "time": (time or datetime.now(timezone.utc)).isoformat(),
        "subject": subject,
        "datacontenttype": "application/json",
        "dataschema": schema_url(event_type),
        "schemaversion": event_type.version,
        "data": dumper(event_type)(loaded),
    }


def parse_envelope(envelope: Any) -> Event:
    """Validate a received envelope and its data; raises EventSchemaError with the reason."""
    if not isinstance(envelope, dict):
        raise EventSchemaError({"message": "event is not a JSON object", "fields": {}})
    try:
        attrs = _load_envelope(envelope)
    except ValidationError as exc:
        raise EventSchemaError({"message": "envelope fails CloudEvents 1.0", "fields": exc.messages}) from None
    name = name_from_type(attrs["type"])
    try:
        event_type = get(name)
    except UnknownEventType as exc:
        raise EventSchemaError({"message": str(exc), "fields": {"type": [str(exc)]}}) from None
    if attrs["schemaversion"] != event_type.version:
        raise EventSchemaError({
            "message": f"{name}: schema version {attrs['schemaversion']} is not the catalogue's {event_type.version}",
            "fields": {"schemaversion": [f"expected {event_type.version}"]},
        })
    return Event(
        id=attrs["id"], name=name, source=attrs["source"], time=attrs["time"],
        data=_check_data(event_type, attrs["data"]), subject=attrs.get("subject"),
        schemaversion=attrs["schemaversion"], envelope=envelope,
    )
