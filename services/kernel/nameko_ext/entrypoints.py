"""Entrypoints that commit before they answer, and event handlers that lose nothing.

nameko's own ``event_handler`` acks and drops an event whose handler raises; ``on_event``
instead retries it with backoff (the message stays unacked meanwhile, so a crash redelivers
it), then parks it with the error (``services.kernel.parking``) before acking. The id of
every applied event is stored in the same transaction as its effect, so a redelivered or
replayed event has no second effect.
"""
from __future__ import annotations

import inspect
import json
import logging
import sys
import time
import traceback
from functools import partial

from kombu import Queue, binding
from marshmallow import ValidationError
from nameko.exceptions import ContainerBeingKilled, MalformedRequest
from nameko.messaging import Consumer
from nameko.rpc import Rpc
from sqlalchemy.exc import IntegrityError

from .. import catalogue  # noqa: F401  (registers every event type)
from .. import events, idempotency, identity, parking
from ..db import wrote
from ..errors import EventSchemaError, IdempotencyKeyReused, ValidationFailed
from ..relay import event_exchange
from .database import find_database
from .identity import is_read, principal_of, principal_of_headers

log = logging.getLogger(__name__)

ALL = "*"


def _translate(exc_info):
    """marshmallow's ValidationError becomes our ValidationFailed, naming the fields."""
    if exc_info is not None and isinstance(exc_info[1], ValidationError):
        error = ValidationFailed.from_messages(exc_info[1].messages)
        return (ValidationFailed, error, exc_info[2])
    return exc_info


class Api(Rpc):
    """RPC that commits the worker's transaction before replying: a reply means it is stored.

    The result first passes the caller's scope guard (``identity.guard``): an object out of
    the caller's reach is refused before the commit, so the refused write is rolled back.

    ``@api(actor={"cadre_id": "subject"})`` names the payload fields that say who acted: when
    the call carries a Principal they are set from it (``subject``: the caller's id;
    ``household``: the caller's own household), whatever the body said.

    ``@api(reach="village")`` marks what anyone of the village may tell about anyone of it (a
    suggestion, a report, a good deed of a neighbour): the object must lie in the caller's
    village(s), not in its own scope.

    A request that wrote is applied once: its answer is stored, in the same transaction as its
    effect, under the request message's correlation id (a broker redelivery after the commit
    gets the stored answer) and under the client's Idempotency-Key when the gateway passed one
    (a retry gets the first answer; the same key with another request is refused with 422).
    An Idempotency-Key is the caller's own: another caller's same key is another request.
    """

    def __init__(self, actor: dict | None = None, reach: str = "scope", **kwargs):
        self.actor = dict(actor or {})
        self.reach = reach
        super().__init__(**kwargs)

    def handle_message(self, body, message):
        try:
            args, kwargs = body["args"], body["kwargs"]
        except (KeyError, TypeError):
            raise MalformedRequest("Message missing `args` or `kwargs`") from None
        self.check_signature(args, kwargs)
        context_data = self.unpack_message_headers(message)
        principal = principal_of_headers(context_data)
        if self.actor and principal is not None:
            args, kwargs = self._stamped(principal, list(args), kwargs)
        keys, digest = self._request_keys(message, context_data)
        database = find_database(self.container)
        # Looked up first only where an earlier answer may exist: a client's retry (its key) or a
        # broker redelivery. A copy that is neither (a publish retried by the sender) still gets
        # the first answer: storing its own answer under the same key fails, and the stored one
        # is replayed (handle_result). The lookup runs on the consumer's thread, ahead of every call.
        if database is not None and (len(keys) > 1 or message.delivery_info.get("redelivered")):
            with database.sessionmaker() as session:
                stored = idempotency.answered(session, keys)
            if stored is not None:
                self.rpc_consumer.handle_result(message, *self._replay(stored, digest))
                return
        try:
            self.container.spawn_worker(
                self, args, kwargs, context_data=context_data,
                handle_result=partial(self.handle_result, message, keys, digest))
        except ContainerBeingKilled:
            self.rpc_consumer.requeue_message(message)

    def _stamped(self, principal, args, kwargs):
        """The call's ``payload`` (by keyword, or by position) with its actor fields stamped."""
        if isinstance(kwargs.get("payload"), dict):
            return args, {**kwargs, "payload": identity.stamp(principal, kwargs["payload"], self.actor)}
        params = list(inspect.signature(getattr(self.container.service_cls, self.method_name)).parameters)[1:]
        at = params.index("payload") if "payload" in params else None
        if at is not None and at < len(args) and isinstance(args[at], dict):
            args[at] = identity.stamp(principal, args[at], self.actor)
        return args, kwargs

    def _request_keys(self, message, context_data):
        method = f"{self.container.service_name}.{self.method_name}"
        keys = [f"rpc:{message.properties.get('correlation_id')}"]
        key = context_data.get("idempotency_key")
        if key:
            principal = principal_of_headers(context_data)
            keys.insert(0, f"key:{method}:{principal.subject if principal else '-'}:{key}")
        return keys, context_data.get("idempotency_digest")

    def _placer(self, database, worker_ctx):
        """The service's ``places`` (its roster read model) on the worker's own session."""
        places = getattr(self.container.service_cls, "places", None)
        if places is None or database is None:
            return None
        session = database.session(worker_ctx)
        return lambda geo: places(session, geo)

    @staticmethod
    def _replay(stored, digest):
        stored_digest, response = stored
        if digest and stored_digest and digest != stored_digest:
            error = IdempotencyKeyReused({
                "message": "此 Idempotency-Key 已用于另一个请求，请换一个新的 key "
                           "(the key was used for a different request)"})
            return None, (IdempotencyKeyReused, error, None)
        return json.loads(response), None

    def handle_result(self, message, keys, digest, worker_ctx, result, exc_info):
        exc_info = _translate(exc_info)
        database = find_database(self.container)
        if exc_info is None:
            try:
                result = identity.guard(principal_of(worker_ctx), result, read=is_read(worker_ctx),
                                        village_wide=self.reach == "village",
                                        place=self._placer(database, worker_ctx))
            except Exception:  # noqa: BLE001  Forbidden: replied instead of the result
                exc_info = sys.exc_info()
        if exc_info is None and database is not None:
            session = database.session(worker_ctx)
            try:
                if wrote(session):
                    idempotency.remember(session, keys, self.method_name, digest,
                                         json.dumps(result, ensure_ascii=False, default=str))
                database.commit(worker_ctx)
            except IntegrityError:
                # A concurrent duplicate committed first: its effect stands, ours is undone.
                session.rollback()
                with database.sessionmaker() as fresh:
                    stored = idempotency.answered(fresh, keys)
                if stored is None:
                    exc_info = sys.exc_info()
                else:
                    result, exc_info = self._replay(stored, digest)
            except Exception:  # noqa: BLE001  reported to the caller instead of the result
                exc_info = sys.exc_info()
        result, exc_info = self.rpc_consumer.handle_result(message, result, exc_info)
        return result, exc_info


api = Api.decorator


# Every handler queue is a quorum queue: replicated over the broker cluster's nodes, so a node
# that fails loses no event. A message redelivered this often (a consumer that crashes on it
# every time) is dead-lettered to the parking lot instead of looping; the handler's own retries
# hold the message, they do not redeliver it, so this counts only crashes and lost connections.
DELIVERY_LIMIT = 20
QUORUM = {"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT,
          "x-dead-letter-exchange": "", "x-dead-letter-routing-key": parking.PARKED_QUEUE}


def queue_for(service: str, method: str, name: str) -> Queue:
    """The durable queue of one handler; ``topology`` declares the same ones at deploy time."""
    if name == ALL:
        sources = sorted({t.source for t in events.all_types()} - {service})
        return Queue(f"evt-all--{service}.{method}", durable=True, auto_delete=False,
                     queue_arguments=dict(QUORUM),
                     bindings=[binding(event_exchange(events.exchange_for(s)), routing_key="#")
                               for s in sources])
    event_type = events.get(name)
    return Queue(f"evt-{event_type.source}-{event_type.name}--{service}.{method}",
                 exchange=event_exchange(event_type.exchange), routing_key=event_type.name,
                 durable=True, auto_delete=False, queue_arguments=dict(QUORUM))


class OnEvent(Consumer):
    """Handle one catalogue event type (or ``"*"``: every other service's events).

    A plain nameko ``Consumer`` (public ground: ``queue``, ``setup``, ``handle_message``) on
    the durable queue that ``queue_for`` names, which ``topology`` also declares at deploy
    time. Results are acked, retried or parked here, never by nameko's default.
    """

    def __init__(self, name: str, **kwargs):
        if name != ALL:
            events.get(name)  # fails at import time for an undeclared type
        self.name = name
        super().__init__(queue=None, **kwargs)  # the queue needs the service name: see setup

    @property
    def consumer(self) -> str:
        return f"{self.container.service_name}.{self.method_name}"

    def setup(self):
        self.queue = queue_for(self.container.service_name, self.method_name, self.name)
        config = self.container.config
        self.amqp_uri = config["AMQP_URI"]
        self.delays = [float(d) for d in config.get("RETRY_DELAYS", [0.5, 2, 8])]
        self.database = find_database(self.container)
        if self.database is None:
            raise RuntimeError(f"{self.consumer}: on_event needs a Database dependency")
        super().setup()

    def handle_message(self, body, message):
        if isinstance(body, (bytes, str)):
            try:
                body = json.loads(body)
            except ValueError:
                pass
        try:
            event = events.parse_envelope(body)
        except EventSchemaError as exc:
            self._park(message, 0, f"rejected: {exc} {json.dumps(exc.detail.get('fields', {}), ensure_ascii=False)}")
            return
        self._dispatch(message, event, 1)

    def _dispatch(self, message, event, attempt):
        try:
            with self.database.sessionmaker() as session:
                if idempotency.seen(session, event.id, self.consumer):
                    log.info("%s: %s %s already applied", self.consumer, event.name, event.id)
                    self.queue_consumer.ack_message(message)
                    return
            self.container.spawn_worker(
                self, (event,), {}, context_data=self.unpack_message_headers(message),
                handle_result=partial(self.handle_result, message, event, attempt))
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, event, attempt, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            try:
                idempotency.record(self.database.session(worker_ctx), event.id, self.consumer, event.name)
                self.database.commit(worker_ctx)
            except IntegrityError:
                # A concurrent delivery of the same event won the race; it has the effect.
                self.database.session(worker_ctx).rollback()
                log.info("%s: %s %s applied concurrently", self.consumer, event.name, event.id)
            except Exception:  # noqa: BLE001  treated like a failure of the handler itself
                exc_info = sys.exc_info()
        if exc_info is None:
            self.queue_consumer.ack_message(message)
        elif attempt <= len(self.delays):
            delay = self.delays[attempt - 1]
            log.warning("%s: %s %s failed (attempt %d), retrying in %ss: %s", self.consumer,
                        event.name, event.id, attempt, delay, exc_info[1])
            self.container.spawn_managed_thread(
                partial(self._retry, message, event, attempt + 1, delay),
                identifier=f"retry-{self.consumer}-{event.id}")
        else:
            error = "".join(traceback.format_exception_only(*exc_info[:2])).strip()
            self._park(message, attempt, error)
        return result, exc_info

    def _retry(self, message, event, attempt, delay):
        time.sleep(delay)
        self._dispatch(message, event, attempt)

    def _park(self, message, attempts, error):
        body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
        parked_id = parking.park(self.amqp_uri, body, message.content_type or "application/json",
                                 queue=self.queue.name, consumer=self.consumer,
                                 attempts=attempts, error=error)
        log.error("%s: parked %s after %d attempts: %s", self.consumer, parked_id, attempts, error)
        self.queue_consumer.ack_message(message)


on_event = OnEvent.decorator
