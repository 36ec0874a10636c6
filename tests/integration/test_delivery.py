"""Item 3 of the platform: nothing lost, nothing applied twice, over the real broker.

The consumer is ``tests.support.probe.ProbeService``: it stores one row per application, so
a double effect shows as a second row and a lost event as a missing one.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import yaml
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import text

from services import cli
from services.kernel import parking
from services.kernel.db import make_engine
from services.kernel.nameko_ext import topology
from services.kernel.relay import Unroutable
from tests.support import probe
from tests.support.bus import deed, publish
from tests.support.wait import until

pytestmark = pytest.mark.integration


def applied_counts(config) -> dict:
    url = (config.get("DATABASE_URLS") or {}).get("probe")
    if not url:
        path = os.path.join(config["DATA_DIR"], "probe.sqlite")
        if not os.path.exists(path):
            return {}
        url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT event_id, count(*) FROM probe_applied GROUP BY event_id")).all()
    except Exception:  # noqa: BLE001  table not created yet
        return {}
    finally:
        engine.dispose()
    return dict(rows)


def start_probe(config, tmp_path):
    """The probe as its own OS process, as `make run` starts services, so it can be SIGKILLed."""
    path = tmp_path / "probe.yaml"
    path.write_text(yaml.safe_dump(config))
    return subprocess.Popen(
        [sys.executable, "-m", "nameko", "run", "tests.support.probe:ProbeService", "--config", str(path)],
        cwd=os.getcwd(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_kill_consumer_mid_batch_then_restart_applies_every_event_once(service_config, tmp_path):
    topology.apply(service_config["AMQP_URI"], [probe.ProbeService])
    sent = [publish(service_config["AMQP_URI"], "good_deed.verified", deed("slow", n))["id"]
            for n in range(300)]

    first = start_probe(service_config, tmp_path)
    try:
        until(lambda: len(applied_counts(service_config)) >= 30, timeout=60, message="30 events applied")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    at_kill = applied_counts(service_config)
    assert len(at_kill) < len(sent), "the kill must land in the middle of the batch"

    second = start_probe(service_config, tmp_path)
    try:
        until(lambda: len(applied_counts(service_config)) == len(sent), timeout=90,
              message="every event applied after restart")
    finally:
        second.terminate()
        second.wait(20)
    counts = applied_counts(service_config)
    assert set(counts) == set(sent)
    assert set(counts.values()) == {1}


def test_failing_handler_parks_the_event_and_replay_applies_it_once(container_factory, service_config, capsys):
    uri = service_config["AMQP_URI"]
    topology.apply(uri, [probe.ProbeService])
    container = container_factory(probe.ProbeService, service_config)
    container.start()

    sick = publish(uri, "good_deed.verified", deed(probe.FAIL_ONCE_MARK))
    parked = until(lambda: parking.list_parked(uri), message="the failing event to be parked")
    assert [p.event_id for p in parked] == [sick["id"]]
    assert parked[0].attempts == 1 + len(service_config["RETRY_DELAYS"])
    assert "the probe is not healed yet" in parked[0].error
    assert parked[0].queue == "evt-proposals-good_deed.verified--probe.apply"
    assert applied_counts(service_config) == {}

    assert cli.main(["--amqp-uri", uri, "dlq", "list"]) == 0  # what an operator sees
    listed = capsys.readouterr().out
    assert sick["id"] in listed and "the probe is not healed yet" in listed

    with ServiceRpcProxy("probe", service_config) as rpc:
        rpc.heal()
    assert cli.main(["--amqp-uri", uri, "dlq", "replay", "no-such-id"]) == 1
    assert cli.main(["--amqp-uri", uri, "dlq", "replay", sick["id"]]) == 0
    assert f"replayed {parked[0].parked_id}" in capsys.readouterr().out
    until(lambda: applied_counts(service_config) == {sick["id"]: 1}, message="the replayed event applied")
    assert parking.list_parked(uri) == []

    # Replaying the same event again (say it was parked twice) still has one effect.
    publish(uri, "good_deed.verified", None, envelope=sick)
    with ServiceRpcProxy("probe", service_config) as rpc:
        until(lambda: rpc.applied() == {sick["id"]: 1}, message="a stable count")


def test_event_failing_its_schema_is_parked_with_the_reason(container_factory, service_config):
    uri = service_config["AMQP_URI"]
    topology.apply(uri, [probe.ProbeService])
    container = container_factory(probe.ProbeService, service_config)
    container.start()
    envelope = publish(uri, "good_deed.verified", deed("sweep"))
    broken = dict(envelope, id="broken-1", data={"deed_id": "x"})  # household_id etc. missing
    publish(uri, "good_deed.verified", None, envelope=broken)

    parked = until(lambda: parking.list_parked(uri), message="the malformed event to be parked")
    assert parked[0].event_id == "broken-1"
    assert parked[0].attempts == 0
    assert "household_id" in parked[0].error
    until(lambda: applied_counts(service_config) == {envelope["id"]: 1}, message="the good event applied")


def test_event_published_before_its_consumer_first_started_is_applied(container_factory, service_config):
    uri = service_config["AMQP_URI"]
    with pytest.raises(Unroutable):  # no queue yet: the publisher is told, nothing vanishes silently
        publish(uri, "good_deed.verified", deed("sweep"))

    topology.apply(uri, [probe.ProbeService])  # deploy time: queues exist, no consumer has run
    early = publish(uri, "good_deed.verified", deed("sweep"))
    container = container_factory(probe.ProbeService, service_config)
    container.start()
    until(lambda: applied_counts(service_config) == {early["id"]: 1}, message="the early event applied")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_config(request, service_config):
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        return dict(service_config, DATABASE_URLS={"probe": url})
    return service_config


def test_the_same_event_delivered_twice_has_one_effect(container_factory, any_db_config):
    service_config = any_db_config
    uri = service_config["AMQP_URI"]
    topology.apply(uri, [probe.ProbeService])
    envelope = publish(uri, "good_deed.verified", deed("sweep"))
    for _ in range(3):  # copies arrive together and race each other into the database
        publish(uri, "good_deed.verified", None, envelope=envelope)
    other = publish(uri, "good_deed.verified", deed("sweep", 1))
    container = container_factory(probe.ProbeService, service_config)
    container.start()
    until(lambda: applied_counts(service_config) == {envelope["id"]: 1, other["id"]: 1},
          message="each event applied once")
    assert parking.list_parked(uri) == []
