"""The reference: plain kombu publishing, then consuming and acking, N persistent 1 KB messages
on one durable queue of a vhost of its own. ``bare_msgs_per_s`` is N over the time of both
(what one message costs end to end through the broker, with nothing of ours around it).

    python -m bench bare_broker      (BENCH_BARE_MESSAGES to scale; default 20,000)
"""
from __future__ import annotations

import os
import time

from kombu import Connection, Consumer, Producer, Queue

BASE = os.environ.get("COCREATE_TEST_AMQP_URI") or os.environ.get("AMQP_URI") or "amqp://guest:guest@127.0.0.1:5672/"


def measure(uri: str, n: int | None = None, size: int = 1024) -> dict:
    n = n or int(os.environ.get("BENCH_BARE_MESSAGES", "20000"))
    body = ('{"pad": "' + "x" * (size - 11) + '"}').encode()
    assert len(body) == size
    queue = Queue("bench-bare", durable=True, auto_delete=False)
    with Connection(uri) as connection:
        channel = connection.channel()
        queue(channel).declare()
        queue(channel).purge()
        producer = Producer(channel)
        started = time.perf_counter()
        for _ in range(n):
            producer.publish(body, routing_key=queue.name, delivery_mode=2,
                             content_type="application/json", content_encoding="utf-8")
        published = time.perf_counter() - started

        got = 0

        def on_message(_body, message):
            nonlocal got
            message.ack()
            got += 1

        consumer_channel = connection.channel()
        started = time.perf_counter()
        with Consumer(consumer_channel, queues=[queue], callbacks=[on_message], prefetch_count=200):
            while got < n:
                connection.drain_events(timeout=30)
        consumed = time.perf_counter() - started
        queue(channel).delete()
    return {"messages": n, "bytes": size, "publish_per_s": n / published, "consume_per_s": n / consumed,
            "bare_msgs_per_s": n / (published + consumed)}


def main() -> dict:
    from tests.support.infra import VhostManager
    vhosts = VhostManager(BASE)
    uri = vhosts.create()
    try:
        result = measure(uri)
    finally:
        vhosts.delete(uri)
    print(f"bare broker: {result['messages']} x {result['bytes']} B persistent: publish "
          f"{result['publish_per_s']:,.0f}/s, consume+ack {result['consume_per_s']:,.0f}/s, "
          f"both {result['bare_msgs_per_s']:,.0f} msgs/s", flush=True)
    return result


if __name__ == "__main__":
    main()
