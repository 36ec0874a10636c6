"""The policy port as a nameko dependency: the published rules in-process, RPC until then.

``policy = Policy()`` replaces ``policy = RpcProxy("rules")`` in a service; callers do not
change (``services.kernel.policy.decide(self.policy, area, facts)``). Each container keeps a
:class:`~services.kernel.policy_client.LocalRules`:

- at start, and whenever ``policy.published`` is heard (a queue of its own per container, so
  every replica hears it), and every ``POLICY_REFRESH_INTERVAL`` seconds in any case, it asks
  the rules service for the published set and swaps it in when it changed;
- until a set is loaded (the rules service not up yet, or a test's stand-in that has no
  ``published_rules``) every call goes to the rules service over RPC, as before;
- the decisions a worker takes in-process are kept on its database session and written, when
  that session commits, as ``policy.decisions_logged`` events into the service's outbox: the
  rules service stores them in its decision log, so a decision is logged exactly when the work
  that asked for it is committed (a rolled-back worker logs nothing);
- any other rules call (``schedule_review``, ``explain`` ...) goes over RPC.

``POLICY_IN_PROCESS: false`` in the config keeps every decision on RPC.
"""
from __future__ import annotations

import logging
import socket
import time
import uuid

from kombu import Connection, Queue
from nameko.exceptions import MethodNotFound
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener, ServiceProxy
from nameko.standalone.rpc import ServiceRpcProxy, StandaloneProxyBase
from sqlalchemy import event as sa_event

from .. import outbox
from ..policy_client import LOG_EVENT, LocalRules, log_events
from ..relay import event_exchange
from .database import find_database

log = logging.getLogger(__name__)

LOG_KEY = "cocreate.policy_decisions"
NUDGE_KEY = "cocreate.policy_nudge"
PUBLISHED = "policy.published"
RULES_EXCHANGE = "rules.events"


QUEUE_PREFIX = "policy-published--"


def published_queue_pattern(service: str) -> str:
    """The names of a service's own (exclusive, per container) ``policy.published`` queues."""
    return f"{QUEUE_PREFIX}{service}-"


class _OwnRpc(ServiceRpcProxy):
    """A standalone RPC proxy whose reply queue carries the service's own name (its broker
    user may read only ``rpc.reply-<service>-*``)."""

    def __init__(self, own_service: str, target: str, config, **kwargs):
        class Container(StandaloneProxyBase.ServiceContainer):
            service_name = own_service
        self.ServiceContainer = Container
        super().__init__(target, config, **kwargs)


class Policy(DependencyProvider):
    rpc_reply_listener = ReplyListener()  # RPC to rules: the fallback, and every other rules call

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.amqp_uri = config["AMQP_URI"]
        enabled = config.get("POLICY_IN_PROCESS", True)
        self.enabled = (str(enabled).strip().lower() not in ("false", "0", "no", "off", "")
                        if isinstance(enabled, str) else bool(enabled))
        self.interval = float(config.get("POLICY_REFRESH_INTERVAL", 60.0))
        self.rpc_timeout = float(config.get("POLICY_FETCH_TIMEOUT", 30.0))
        self.local = LocalRules(self._fetch)
        self.database = None
        self._wanted = True
        self._stopped = False

    def start(self):
        self.database = find_database(self.container)  # set up by now: every setup ends before any start
        if self.database is not None:
            maker = self.database.sessionmaker
            sa_event.listen(maker, "before_commit", self._before_commit)
            sa_event.listen(maker, "after_commit", self._after_commit)
            sa_event.listen(maker, "after_soft_rollback", self._after_rollback)
        if self.enabled:
            self.container.spawn_managed_thread(self._keep_current, identifier="policy_client")

    def stop(self):
        self._stopped = True
        self.local.close()

    def kill(self):
        self._stopped = True

    def get_dependency(self, worker_ctx):
        return _Port(self, worker_ctx)

    # -- keeping the rules current -----------------------------------------------------------
    def _fetch(self, known):
        with _OwnRpc(self.service, "rules", self.container.config, timeout=self.rpc_timeout) as rules:
            return rules.published_rules(known)

    def _refresh(self) -> None:
        started = time.perf_counter()
        if self.local.refresh():
            log.info("%s: published rules loaded in-process (fingerprint %s, %.2fs)",
                     self.service, self.local.fingerprint, time.perf_counter() - started)

    def _keep_current(self):
        """Listen for publications and reload; on any trouble keep the set in force (or RPC)."""
        delay = 1.0
        while not self._stopped:
            try:
                with Connection(self.amqp_uri) as connection:
                    queue = Queue(published_queue_pattern(self.service) + uuid.uuid4().hex[:12],
                                  exchange=event_exchange(RULES_EXCHANGE), routing_key=PUBLISHED,
                                  exclusive=True, auto_delete=True, durable=False)
                    with connection.Consumer(queue, on_message=self._heard, no_ack=True):
                        self._wanted = True   # subscribed first, then loaded: no publication missed
                        last = 0.0
                        while not self._stopped:
                            if self._wanted or time.monotonic() - last >= self.interval:
                                self._wanted = False
                                last = time.monotonic()
                                self._refresh()
                                delay = 1.0
                            try:
                                connection.drain_events(timeout=1.0)
                            except socket.timeout:
                                pass
            except MethodNotFound:
                log.info("%s: the rules service has no published_rules; decisions stay on RPC", self.service)
                return
            except Exception as exc:  # noqa: BLE001  the rules in force (or RPC) stay meanwhile
                if self._stopped:
                    return
                log.warning("%s: published rules not loaded (%s: %s); retrying in %.0fs",
                            self.service, type(exc).__name__, str(exc)[:200], delay)
                time.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _heard(self, message):
        self._wanted = True

    # -- the decision log ----------------------------------------------------------------------
    def log(self, worker_ctx, records: list[dict]) -> None:
        """Keep ``records`` for the worker's commit; without a session, log them at once."""
        if not records:
            return
        session = self.database.sessions.get(worker_ctx) if self.database is not None else None
        if session is not None:
            session.info.setdefault(LOG_KEY, []).extend(records)
            return
        if self.database is None:
            raise RuntimeError(f"{self.service}: in-process decisions need a Database to be logged")
        with self.database.sessionmaker() as session:
            session.info[LOG_KEY] = list(records)
            session.commit()

    def _before_commit(self, session):
        records = session.info.pop(LOG_KEY, None)
        if records:
            for data, subject in log_events(self.service, records):
                outbox.emit(session, LOG_EVENT, data, subject)
            session.info[NUDGE_KEY] = True

    def _after_commit(self, session):
        if session.info.pop(NUDGE_KEY, False) and self.database is not None:
            self.database.relay.nudge()

    @staticmethod
    def _after_rollback(session, previous_transaction):
        """The work is undone (every rollback of the whole transaction, whether or not it had
        reached the database): so are its decisions. A savepoint's rollback keeps them."""
        if not previous_transaction.nested:
            session.info.pop(LOG_KEY, None)
            session.info.pop(NUDGE_KEY, None)


class _Port:
    """What a worker sees as ``self.policy``: ``decide``/``decide_many``/``params`` from the
    rules in process when loaded, else over RPC; every other rules call over RPC."""

    def __init__(self, provider: Policy, worker_ctx):
        self._provider = provider
        self._worker_ctx = worker_ctx
        self._proxy = None

    def _rpc(self):
        if self._proxy is None:
            self._proxy = ServiceProxy(self._worker_ctx, "rules", self._provider.rpc_reply_listener)
        return self._proxy

    @property
    def in_process(self) -> bool:
        return self._provider.enabled and self._provider.local.ready

    def decide(self, area, facts):
        if not self.in_process:
            return self._rpc().decide(area, facts)
        decision, record = self._provider.local.decide(area, facts)
        self._provider.log(self._worker_ctx, [record])
        return decision

    def decide_many(self, area, facts_list):
        if not self.in_process:
            return self._rpc().decide_many(area, facts_list)
        decisions, records = self._provider.local.decide_many(area, facts_list)
        self._provider.log(self._worker_ctx, records)
        return decisions

    def params(self, area):
        if not self.in_process:
            return self._rpc().params(area)
        return self._provider.local.params(area)

    def __getattr__(self, name):
        return getattr(self._rpc(), name)
