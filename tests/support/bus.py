"""Publishing and reading on the real broker, as a county system would, without our services."""
from __future__ import annotations

import json

from kombu import Connection

from services.kernel.events import get, make_envelope
from services.kernel.relay import publish_envelope
from tests.support.rosters import registered


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


def announce_roster(amqp_uri: str, roster: dict, party=(), town_id: str = "t-xx") -> int:
    """Publish ``household.registered`` for each household of ``roster`` — {(village, hamlet):
    {household: [resident, ...]}}, the first resident its head, those in ``party`` party members
    — on one connection, as the contributions service announces an imported roster."""
    count = 0
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        for (village, hamlet), households in roster.items():
            for household, people in households.items():
                data = registered(village, hamlet, household, people, party, town_id)
                publish_envelope(producer, get("household.registered").exchange, "household.registered",
                                 json.dumps(make_envelope("household.registered", data), ensure_ascii=False))
                count += 1
    return count
