"""Every place our nameko glue leans on nameko beyond its documented decorators, checked.

nameko 2.14 is pinned; these tests make an upgrade that moves any of these fail here, loudly,
instead of in production (an unconsumed queue, a health check watching the wrong queue, an
error coming back as a bare RemoteError). The gateway's own reliances are tested with it.
"""
from __future__ import annotations

import inspect
from unittest import mock

import pytest
from nameko.containers import ServiceContainer, WorkerContext
from nameko.exceptions import deserialize, serialize
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.messaging import Consumer, QueueConsumer
from nameko.rpc import Rpc, RpcConsumer
from nameko.timer import Timer

from services.contributions.service import ContributionsService
from services.kernel.errors import ValidationFailed
from services.kernel.nameko_ext import Database, topology
from services.kernel.nameko_ext.entrypoints import Api, OnEvent, queue_for
from services.proposals.service import ProposalsService
from services.rules.dependencies import ConfigTimer

CONFIG = {"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/unused", "DATABASE_URLS": {}}


def _container(service_cls) -> ServiceContainer:
    return ServiceContainer(service_cls, dict(CONFIG))  # built, never started: no broker needed


def test_the_health_check_watches_the_queue_nameko_declares_for_rpc():
    container = _container(ProposalsService)
    [rpc_consumer] = [e for e in container.subextensions if isinstance(e, RpcConsumer)]
    rpc_consumer.queue_consumer = mock.Mock(spec=QueueConsumer)
    rpc_consumer.setup()
    assert rpc_consumer.queue.name == topology.rpc_queue(ProposalsService) == "rpc-proposals"


def test_on_event_is_a_plain_consumer_on_the_queue_topology_declares():
    assert issubclass(OnEvent, Consumer)
    assert "queue" in inspect.signature(Consumer.__init__).parameters
    container = _container(ContributionsService)
    handlers = [e for e in container.entrypoints if isinstance(e, OnEvent)]
    assert handlers, "contributions has event handlers"
    for handler in handlers:
        handler.queue_consumer = mock.Mock(spec=QueueConsumer)
        with mock.patch.object(Database, "setup"):
            handler.setup()
        assert handler.queue.name == queue_for("contributions", handler.method_name, handler.name).name
        handler.queue_consumer.register_provider.assert_called_once_with(handler)


def test_the_queue_consumer_calls_we_make_exist():
    for name in ("ack_message", "requeue_message", "register_provider", "unregister_provider"):
        assert callable(getattr(QueueConsumer, name)), name
    assert "handle_message" in vars(Consumer) and "unpack_message_headers" in dir(Consumer)


def test_the_container_calls_we_make_keep_their_keywords():
    spawn_worker = inspect.signature(ServiceContainer.spawn_worker).parameters
    assert {"context_data", "handle_result"} <= set(spawn_worker)
    assert "identifier" in inspect.signature(ServiceContainer.spawn_managed_thread).parameters
    assert "entrypoint" in inspect.signature(WorkerContext.__init__).parameters
    assert hasattr(_container(ProposalsService), "dependencies")  # find_database walks it


def test_api_overrides_the_rpc_result_hook_with_its_signature():
    assert list(inspect.signature(Rpc.handle_result).parameters) == [
        "self", "message", "worker_ctx", "result", "exc_info"]
    assert issubclass(Api, Rpc) and "handle_result" in vars(Api)


def test_entrypoints_are_found_where_the_decorators_put_them():
    found = topology.entrypoints(ContributionsService, OnEvent)
    assert found and all(isinstance(e, OnEvent) for e in found)
    method = ContributionsService.on_funding_round_allocated
    assert any(isinstance(e, OnEvent) for e in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR))


def test_our_errors_come_back_from_rpc_as_themselves():
    error = ValidationFailed.from_messages({"amount": ["more than two decimals"]})
    back = deserialize(serialize(error))
    assert type(back) is ValidationFailed and back.detail == error.detail


def test_config_timer_sets_the_interval_timer_reads():
    assert "interval" in inspect.signature(Timer.__init__).parameters
    assert "self.interval" in inspect.getsource(Timer._run)  # read when the loop starts
    assert "self.gt" in inspect.getsource(Timer.start) and "self.gt" in inspect.getsource(Timer.stop)
    assert issubclass(ConfigTimer, Timer)


@pytest.mark.parametrize("service_cls", [ProposalsService, ContributionsService])
def test_topology_lists_one_queue_per_handler(service_cls):
    names = [q.name for q in topology.handler_queues(service_cls)]
    assert len(names) == len(set(names)) == len(topology.entrypoints(service_cls, OnEvent))
