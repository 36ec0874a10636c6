"""RPC to any service by name: ``self.cluster.call("proposals", "file_suggestion", payload=...)``.

Every call waits at most ``GATEWAY_RPC_TIMEOUT`` seconds (config; default 30). A service's RPC
queue is durable, so while the service is down the broker still accepts the request and nobody
answers: without a deadline each such HTTP request would hold a gateway worker forever.
"""
import eventlet
from nameko.rpc import RpcProxy, ServiceProxy

from .http import ServiceTimeout

DEFAULT_TIMEOUT = 30.0


class ClusterProxy:
    def __init__(self, worker_ctx, reply_listener, timeout):
        self._worker_ctx = worker_ctx
        self._reply_listener = reply_listener
        self.timeout = timeout

    def __getattr__(self, service_name):
        return ServiceProxy(self._worker_ctx, service_name, self._reply_listener)

    def call(self, service: str, method: str, **kwargs):
        """``service.method(**kwargs)``; ServiceTimeout when no reply comes in time."""
        reply = getattr(getattr(self, service), method).call_async(**kwargs)
        try:
            with eventlet.Timeout(self.timeout):
                return reply.result()
        except eventlet.Timeout:
            self._forget(reply)
            raise ServiceTimeout(service, method, self.timeout) from None

    def _forget(self, reply):
        """Drop the pending reply (nameko 2 keeps it until it comes); a late one is then acked
        and logged as unknown instead of piling up while a service stays down."""
        pending = getattr(self._reply_listener, "_reply_events", {})
        for correlation_id, event in list(pending.items()):
            if event is reply.reply_event:
                pending.pop(correlation_id, None)


class ClusterRpc(RpcProxy):
    def __init__(self):
        super().__init__(target_service=None)

    def get_dependency(self, worker_ctx):
        timeout = float(self.container.config.get("GATEWAY_RPC_TIMEOUT") or DEFAULT_TIMEOUT)
        return ClusterProxy(worker_ctx, self.rpc_reply_listener, timeout)
