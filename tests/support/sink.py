"""A queue bound to every event of one exchange, read back by the test."""
from __future__ import annotations

import json

from kombu import Connection, Exchange, Queue

from tests.support import wait


class Sink:
    def __init__(self, amqp_uri: str, exchange: str):
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"test-sink-{exchange}", Exchange(exchange, type="topic", durable=True),
                           routing_key="#", durable=True, auto_delete=False)(self.connection.channel())
        self.queue.declare()
        self.seen: list[tuple[str, dict]] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.connection.close()

    def drain(self) -> list[tuple[str, dict]]:
        while (message := self.queue.get(no_ack=True)) is not None:
            body = json.loads(message.body)
            self.seen.append((message.delivery_info["routing_key"], body["data"]))
        return self.seen

    def events(self, name: str) -> list[dict]:
        return [data for key, data in self.drain() if key == name]

    def wait_for(self, name: str, count: int = 1) -> list[dict]:
        return wait.until(lambda: len(found := self.events(name)) >= count and found,
                          message=f"{count} {name} event(s) on the bus")
