import time

from nameko.standalone.rpc import ServiceRpcProxy

from services.kernel.events import make_envelope
from services.kernel.nameko_ext import topology
from services.kernel.relay import publish_envelope
from tests.support.probe import ProbeService
from kombu import Connection
import json


def test_probe_applies(container_factory, service_config):
    topology.apply(service_config["AMQP_URI"], [ProbeService])
    env = make_envelope("good_deed.verified", {"deed_id": "1", "household_id": "h", "hamlet_id": "g",
                                               "deed_code": "sweep", "verified_by": "c"})
    with Connection(service_config["AMQP_URI"], transport_options={"confirm_publish": True}) as c:
        publish_envelope(c.Producer(), "proposals.events", "good_deed.verified", json.dumps(env))
    container = container_factory(ProbeService, service_config)
    container.start()
    with ServiceRpcProxy("probe", service_config) as probe:
        for _ in range(50):
            if probe.applied():
                break
            time.sleep(0.1)
        assert probe.applied() == {env["id"]: 1}
