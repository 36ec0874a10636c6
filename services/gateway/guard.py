"""The gateway's identity hook as a nameko dependency: admit the request, carry the Principal.

``self.guard.admit(request, route, self.cluster)`` returns the caller's Principal (or None on a
public route) and puts it in the worker's context, so every RPC this request makes carries it;
or an error Response (401, 403, 429, 503) built with the gateway's ``error_response``.
"""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.kernel.config import refuse_placeholders
from services.kernel.nameko_ext.identity import carry

from .auth import Authenticator, Refusal
from .http import error_response


class GuardHandle:
    def __init__(self, authenticator: Authenticator, worker_ctx):
        self.authenticator = authenticator
        self.worker_ctx = worker_ctx

    def admit(self, request, access, cluster):
        try:
            principal = self.authenticator.admit(request.headers, request.remote_addr, access, cluster.call)
        except Refusal as refusal:
            response = error_response(refusal.status, refusal.code, refusal.message, **refusal.extra)
            for name, value in refusal.headers.items():
                response.headers[name] = value
            return response
        carry(self.worker_ctx, principal, read=request.method in ("GET", "HEAD"))
        return principal


class Guard(DependencyProvider):
    def setup(self):
        refuse_placeholders(self.container.config)  # the gateway has no Database to check it
        self.authenticator = Authenticator(self.container.config)

    def get_dependency(self, worker_ctx):
        return GuardHandle(self.authenticator, worker_ctx)
