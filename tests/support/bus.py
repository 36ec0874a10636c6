"""Publishing and reading on the real broker, as a county system would, without our services."""
from __future__ import annotations

import json

from kombu import Connection

from services.kernel.events import get, make_envelope
from services.kernel.relay import publish_envelope


def publish(amqp_uri: str, name: str, data: dict, envelope: dict | None = None) -> dict:
    """Publish a catalogue event with confirms and mandatory routing; returns its envelope."""
    envelope = envelope or make_envelope(name, data)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        publish_envelope(connection.Producer(), get(name).exchange, name,
                         json.dumps(envelope, ensure_ascii=False))
    return envelope


def deed(code: str, n: int = 0) -> dict:
    return {"deed_id": f"d{n}", "household_id": f"h{n % 7}", "hamlet_id": "g3",
            "deed_code": code, "verified_by": "cadre-1"}
