"""RPC to any service by name: ``self.cluster.proposals.file_suggestion(...)``."""
from nameko.rpc import RpcProxy, ServiceProxy


class ClusterProxy:
    def __init__(self, worker_ctx, reply_listener):
        self._worker_ctx = worker_ctx
        self._reply_listener = reply_listener

    def __getattr__(self, service_name):
        return ServiceProxy(self._worker_ctx, service_name, self._reply_listener)


class ClusterRpc(RpcProxy):
    def __init__(self):
        super().__init__(target_service=None)

    def get_dependency(self, worker_ctx):
        return ClusterProxy(worker_ctx, self.rpc_reply_listener)
