"""What the gateway and the kernel's RPC entrypoint take from nameko beyond its documented
decorators. Each is pinned here, so an upgrade that moves one fails this test by name instead of
breaking the edge at run time."""
from __future__ import annotations

import inspect

import importlib.metadata
from nameko import rpc
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.exceptions import MethodNotFound, deserialize, deserialize_to_instance
from nameko.messaging import HeaderDecoder, HeaderEncoder, QueueConsumer
from nameko.web import server as web_server
from nameko.web.handlers import HttpRequestHandler


def test_the_nameko_version_we_read():
    assert importlib.metadata.version("nameko") == "2.14.1"


def test_rpc_queue_names_and_exchange():
    assert rpc.RPC_QUEUE_TEMPLATE.format("proposals") == "rpc-proposals"
    assert "{}" in rpc.RPC_REPLY_QUEUE_TEMPLATE and isinstance(rpc.RPC_REPLY_QUEUE_TTL, int)
    assert inspect.signature(rpc.get_rpc_exchange).parameters.keys() == {"config"}


def test_the_rpc_entrypoint_hooks_the_kernel_overrides():
    for name in ("check_signature", "unpack_message_headers", "handle_message"):
        assert callable(getattr(rpc.Rpc, name)), name
    assert {"handle_result", "requeue_message"} <= set(dir(rpc.RpcConsumer))
    assert list(inspect.signature(rpc.RpcConsumer.handle_result).parameters) == \
        ["self", "message", "result", "exc_info"]


def test_publishing_and_headers():
    assert "expiration" in inspect.getsource(Publisher.publish)
    assert issubclass(UndeliverableMessage, Exception)
    assert HeaderEncoder.header_prefix == "nameko" and callable(HeaderEncoder.get_message_headers)
    assert callable(HeaderDecoder.unpack_message_headers)
    assert {"register_provider", "unregister_provider", "ack_message"} <= set(dir(QueueConsumer))


def test_errors_cross_rpc_as_registered_classes():
    class Probe(Exception):
        pass
    deserialize_to_instance(Probe)
    assert isinstance(deserialize({"exc_type": "Probe", "exc_path": f"{__name__}.Probe",
                                   "exc_args": ["x"], "value": "x"}), Probe)
    assert isinstance(deserialize({"exc_type": "MethodNotFound", "exc_path": "nameko.exceptions.MethodNotFound",
                                   "exc_args": ["m"], "value": "m"}), MethodNotFound)


def test_the_web_server_is_subclassable_where_the_gateway_subclasses_it():
    assert callable(web_server.WebServer.get_wsgi_app) and callable(web_server.WebServer.get_wsgi_server)
    assert "url_length_limit" in inspect.signature(web_server.wsgi.Server).parameters
    source = inspect.getsource(web_server.WsgiApp.__call__)
    assert "adapter.match()" in source and "handle_request" in source
    assert callable(HttpRequestHandler.response_from_exception)
