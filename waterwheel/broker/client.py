"""Publishing to and consuming from the broker, on RabbitMQ or in one process.

``Broker("amqp://...")`` is production. Publishes use publisher confirms, so
one returns only once RabbitMQ has the message, and retry through a lost
connection for about a minute, so a broker restart loses nothing a caller was
told was published; a message may then arrive twice, so consumers must be
idempotent, as they are for redeliveries anyway. Task, progress and token
messages are persistent. Connections have no AMQP heartbeat: a worker's handler
holds its connection's thread for a whole task run, and missed heartbeats would
make RabbitMQ requeue a task that still runs. TCP keepalive finds dead peers.

``Broker("memory://")`` serves the standalone process with kombu's in-process
transport, here given the priority queues it lacks. Its fanout works, whatever
its docstring says. What it cannot have is durability (the database is the
record; a scheduler restores runs from it at start), exclusive queues (a
consumer deletes its broadcast queues when it stops) and consumer timeouts.
Consumers sleep until a message arrives (no polling), and a requeued message
goes behind the others of its priority, not in front.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from queue import Empty, PriorityQueue
from typing import Any

import kombu
from kombu.exceptions import OperationalError
from kombu.message import Message
from kombu.pools import ProducerPool
from kombu.transport import memory, virtual

from waterwheel.broker.messages import (
    Progress,
    TaskRequest,
    parse_config_update,
    parse_token_op,
    parse_trigger_update,
)
from waterwheel.broker.topology import DEFAULT_WORKER_QUEUE, Topology
from waterwheel.config import Settings
from waterwheel.states import Priority, State

log = logging.getLogger(__name__)

# About a minute of reconnecting (0 + 0.5 + 1 + 1.5 + 2 + 2 + ...) before a
# publish gives up and raises: long enough for a broker restart, short enough
# that an API request does not hang forever on a dead broker.
RETRY_POLICY: dict[str, float] = {
    "max_retries": 30,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 2,
}
MEMORY_POLL_SECONDS = 1.0  # a consumer wakes at least this often (to see stop)


class _Arrivals:
    """Wakes in-process consumers when a message arrives, instead of polling.

    A generation count is read before looking at the queues, so a message put
    between an empty look and the wait is never slept through.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.generation = 0

    def announce(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.generation != seen, timeout)


_ARRIVALS = _Arrivals()


class _MemoryChannel(memory.Channel):
    """kombu's memory channel with priority queues (highest first, FIFO within one)."""

    queues: dict[str, PriorityQueue] = {}
    _sequence = itertools.count()
    do_restore = True  # like RabbitMQ: a closed channel's unacked messages go back

    def _new_queue(self, queue: str, **kwargs: Any) -> None:
        self._queue_for(queue)

    def _queue_for(self, queue: str) -> PriorityQueue:
        return self.queues.setdefault(queue, PriorityQueue())

    def _put(self, queue: str, message: dict, **kwargs: Any) -> None:
        order = (-self._get_message_priority(message), next(self._sequence))
        self._queue_for(queue).put((order, message))
        _ARRIVALS.announce()

    def _put_fanout(self, exchange: str, message: dict, routing_key: str, **kwargs: Any) -> None:
        for queue in self._lookup(exchange, routing_key):
            self._put(queue, message)

    def _get(self, queue: str, timeout: float | None = None) -> dict:
        return self._queue_for(queue).get(block=False)[1]

    def queue_delete(self, queue: str, *args: Any, **kwargs: Any) -> None:
        # As in AMQP, with its bindings: kombu keeps them in the exchange's
        # table, where the next fanout message would recreate the queue.
        for exchange, routing_key, arguments in list(self.state.queue_bindings(queue)):
            self.queue_unbind(queue, exchange, routing_key, arguments)
        self.queues.pop(queue, None)


class _MemoryTransport(memory.Transport):
    Channel = _MemoryChannel
    global_state = virtual.BrokerState()

    def drain_events(self, connection: Any, timeout: float | None = None) -> None:
        """Deliver one message, sleeping until one arrives (not polling)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            seen = _ARRIVALS.generation
            try:
                self.cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                remaining = MEMORY_POLL_SECONDS
                if deadline is not None:
                    remaining = min(remaining, deadline - time.monotonic())
                    if remaining <= 0:
                        raise TimeoutError() from None
                _ARRIVALS.wait(seen, remaining)


def _log_retry(exc: BaseException, interval: float) -> None:
    log.warning("cannot publish to the broker (%s); retrying", exc)


class Broker:
    """Publishes the system's messages; safe to share between threads.

    Each publish borrows a producer and its connection from a pool, so
    concurrent publishers never share a channel.
    """

    def __init__(self, url: str, *, topology: Topology | None = None, pool_size: int = 8) -> None:
        self.topology = topology or Topology()
        if url.startswith("memory://"):
            # One broker per process: the URL's host names nothing.
            self._base = kombu.Connection(
                "memory://localhost",
                transport=_MemoryTransport,
                transport_options={"polling_interval": MEMORY_POLL_SECONDS},
            )
        else:
            # The retry policy also bounds connecting for a first publish.
            options = {
                "confirm_publish": True,
                "connect_retries_timeout": 60,
                "errback": _log_retry,
                **RETRY_POLICY,
            }
            self._base = kombu.Connection(url, transport_options=options)
        self._producers = ProducerPool(self._base.Pool(limit=pool_size), limit=pool_size)
        # What a consumer survives by reconnecting.
        self.recoverable_errors: tuple[type[BaseException], ...] = (
            OperationalError,
            *self._base.connection_errors,
            *self._base.channel_errors,
        )

    @classmethod
    def from_settings(cls, settings: Settings, prefix: str = "waterwheel") -> Broker:
        return cls(settings.amqp_addr, topology=Topology.from_settings(settings, prefix))

    def connection(self) -> kombu.Connection:
        """A new, unconnected connection, for one consumer thread."""
        return self._base.clone()

    def publish_task(self, request: TaskRequest, queue: str = DEFAULT_WORKER_QUEUE) -> None:
        """To the workers of ``queue``, ahead of waiting requests of lower priority."""
        target = self.topology.task_queue(queue)
        self._publish(
            request.to_json(),
            target.exchange,
            target.routing_key,
            declare=target,
            priority=Priority(request.priority).amqp,
        )

    def publish_progress(self, progress: Progress) -> None:
        """To one scheduler; persistent, unlike the original's, so a restart keeps
        it. Heartbeats (``running``) are transient: the next one replaces a lost
        one, and a worker beating for many runs must not wait on the broker's disk."""
        target = self.topology.results_queue
        self._publish(
            progress.to_json(),
            target.exchange,
            target.routing_key,
            declare=target,
            persistent=progress.result != State.RUNNING,
        )

    def publish_trigger_update(self, trigger_ids: Iterable[uuid.UUID]) -> None:
        """To every scheduler; transient, as its queues die with their connections."""
        exchange = self.topology.triggers_exchange
        body = [str(trigger_id) for trigger_id in trigger_ids]
        self._publish(body, exchange, "", declare=exchange, persistent=False)

    def publish_token_op(self, body: dict[str, Any]) -> None:
        """To one scheduler; ``body`` is a ``TokenOp.to_json()``."""
        target = self.topology.tokens_queue
        self._publish(body, target.exchange, target.routing_key, declare=target)

    def publish_config(self, body: dict[str, Any]) -> None:
        """To every worker; ``body`` is a ``ConfigUpdate.to_json()``; transient."""
        exchange = self.topology.config_exchange
        self._publish(body, exchange, "", declare=exchange, persistent=False)

    def wait_taken(self, queue: kombu.Queue, timeout: float) -> bool:
        """Wait until ``queue``'s messages are taken by its consumers, for at
        most ``timeout`` seconds; False if some are left. Only the in-process
        broker needs this, as its messages die with the process (RabbitMQ keeps
        them): for any other it returns True at once."""
        if not isinstance(self._base.transport, _MemoryTransport):
            return True
        waiting = _MemoryChannel.queues.get(queue.name)
        deadline = time.monotonic() + timeout
        while waiting is not None and not waiting.empty():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        self._producers.force_close_all()
        self._producers.connections.force_close_all()

    def __enter__(self) -> Broker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _publish(
        self,
        body: Any,
        exchange: kombu.Exchange,
        routing_key: str,
        *,
        declare: kombu.Exchange | kombu.Queue,
        persistent: bool = True,
        priority: int = 0,
    ) -> None:
        # Declaring the target queue first keeps a message that is published
        # before any consumer starts; kombu declares once per connection.
        with self._producers.acquire(block=True) as producer:
            publish = producer.connection.ensure(
                producer, producer.publish, errback=_log_retry, **RETRY_POLICY
            )
            publish(
                body,
                exchange=exchange,
                routing_key=routing_key,
                declare=[declare],
                serializer="json",
                delivery_mode="persistent" if persistent else "transient",
                priority=priority,
            )


class Kind(StrEnum):
    """What a consumer takes from the broker, and so which parser reads it."""

    TASKS = "tasks"  # workers: TaskRequest
    PROGRESS = "progress"  # schedulers: Progress
    TRIGGERS = "triggers"  # schedulers: list of trigger ids (broadcast)
    TOKENS = "tokens"  # schedulers: TokenOp
    CONFIG = "config"  # workers: ConfigUpdate (broadcast)


_PARSERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.TASKS: TaskRequest.from_json,
    Kind.PROGRESS: Progress.from_json,
    Kind.TRIGGERS: parse_trigger_update,
    Kind.TOKENS: parse_token_op,
    Kind.CONFIG: parse_config_update,
}

Handler = Callable[[Any, Message], None]
BatchHandler = Callable[[list[Any]], None]

DRAIN_SECONDS = 0.5  # how often the loop looks at its stop flag
GATHER_SECONDS = 0.001  # how long a batch waits for one more message
RECONNECT_SECONDS = (0.5, 5.0)  # first and longest wait between connection attempts
REDELIVERY_SECONDS = (0.5, 30.0)  # first and longest wait before requeueing a failed message


@dataclass
class _Subscription:
    kind: Kind
    handler: Handler | BatchHandler
    prefetch: int
    worker_queues: Sequence[str]
    batch: int = 0  # >0: the handler takes lists of up to this many bodies
    pending: list[tuple[Any, Message]] = field(default_factory=list)


class Consumer:
    """Runs message handlers on one connection, in one thread, until stopped.

    Each ``consume`` call gets its own channel and prefetch window; handlers
    run one at a time, so a worker runs one ``Consumer`` per task slot. A
    message is acked after its handler returns; if the handler raises, the
    message is requeued after a growing pause (so a failing database does not
    spin). A handler may settle the message itself (``message.reject()``...).
    A message its kind's parser cannot read is logged and dropped. After a
    lost connection the consumer reconnects, redeclares its queues and calls
    ``on_connect`` (where a subscriber to broadcasts reloads what it may have
    missed meanwhile), then carries on.
    """

    def __init__(self, broker: Broker, *, on_connect: Callable[[], None] | None = None) -> None:
        self._broker = broker
        self._on_connect = on_connect
        self._subscriptions: list[_Subscription] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0  # in a row, to pace redeliveries
        self._reconnect_wait = RECONNECT_SECONDS[0]

    def consume(
        self,
        kind: Kind | str,
        handler: Handler,
        *,
        prefetch: int,
        queues: Sequence[str] | None = None,
    ) -> None:
        """Subscribe before ``run``/``start``; ``queues`` names worker queues (tasks only).

        The handler gets the parsed body (see ``Kind``) and the kombu message.
        """
        kind = Kind(kind)
        if self._thread is not None:
            raise RuntimeError("subscribe before starting the consumer")
        if queues is not None and kind is not Kind.TASKS:
            raise ValueError(f"only tasks are consumed from named queues, not {kind}")
        if prefetch < 1:
            raise ValueError(f"prefetch must be at least 1, not {prefetch}")
        worker_queues = list(queues or [DEFAULT_WORKER_QUEUE])
        self._subscriptions.append(_Subscription(kind, handler, prefetch, worker_queues))

    def consume_batches(self, kind: Kind | str, handler: BatchHandler, *, size: int) -> None:
        """Subscribe ``handler`` to lists of parsed bodies: what has arrived, up
        to ``size`` (also the prefetch), handled at once and acked together
        after it returns, or all requeued if it raises. For handlers whose cost
        is mostly per call (one transaction for many messages)."""
        self.consume(kind, handler, prefetch=size)  # type: ignore[arg-type]
        self._subscriptions[-1].batch = size

    def start(self, name: str = "broker-consumer") -> Consumer:
        """Run in a daemon thread; returns self."""
        if self._thread is not None:
            raise RuntimeError("the consumer was started already")
        self._thread = threading.Thread(target=self.run, name=name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 5.0) -> bool:
        """Stop once the running handler returns, within ``DRAIN_SECONDS`` when idle.

        Returns False if the thread of ``start`` still runs after ``timeout``.
        """
        self._stopping.set()
        if self._thread is None or self._thread is threading.current_thread():
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def run(self) -> None:
        """Consume until ``stop``, reconnecting whenever the connection is lost."""
        while not self._stopping.is_set():
            try:
                self._session()  # resets the wait once connected
            except self._broker.recoverable_errors as exc:
                log.warning(
                    "broker consumer disconnected (%s); reconnecting in %.1f s",
                    exc,
                    self._reconnect_wait,
                )
            except Exception:
                log.exception("broker consumer failed; restarting in %.1f s", self._reconnect_wait)
            if self._stopping.wait(self._reconnect_wait):
                return
            self._reconnect_wait = min(self._reconnect_wait * 2, RECONNECT_SECONDS[1])

    def _session(self) -> None:
        with self._broker.connection() as conn:
            consumers = [self._subscribe(conn, sub) for sub in self._subscriptions]
            if self._on_connect is not None:
                self._on_connect()
            self._reconnect_wait = RECONNECT_SECONDS[0]
            while not self._stopping.is_set():
                self._drain(conn, DRAIN_SECONDS)  # idle: look at the stop flag
                self._handle_batches(conn)
            for consumer, sub in zip(consumers, self._subscriptions, strict=True):
                consumer.cancel()
                if sub.kind in (Kind.TRIGGERS, Kind.CONFIG):
                    # RabbitMQ drops an exclusive queue with its connection;
                    # the memory transport would keep filling it forever.
                    for bound in consumer.queues:
                        bound.delete()

    def _subscribe(self, conn: kombu.Connection, sub: _Subscription) -> kombu.Consumer:
        consumer = kombu.Consumer(
            conn.channel(),
            queues=self._queues(sub),
            on_message=partial(self._deliver, sub),
            on_decode_error=partial(self._drop, sub),
            tag_prefix=f"{sub.kind}-",
        )
        # Global: one window per channel, however many queues it consumes.
        consumer.qos(prefetch_count=sub.prefetch, apply_global=True)
        consumer.consume()
        return consumer

    def _queues(self, sub: _Subscription) -> list[kombu.Queue]:
        # A broadcast subscriber declares a new queue on each connection, so
        # it never collides with its old one, which RabbitMQ drops once it
        # notices that the old connection is dead.
        topology = self._broker.topology
        match sub.kind:
            case Kind.TASKS:
                return [topology.task_queue(name) for name in sub.worker_queues]
            case Kind.PROGRESS:
                return [topology.results_queue]
            case Kind.TRIGGERS:
                return [topology.triggers_subscriber()]
            case Kind.TOKENS:
                return [topology.tokens_queue]
            case Kind.CONFIG:
                return [topology.config_subscriber()]

    @staticmethod
    def _drain(conn: kombu.Connection, timeout: float) -> bool:
        """Deliver what arrives within ``timeout``; False if nothing did."""
        try:
            conn.drain_events(timeout=timeout)
        except TimeoutError:
            return False
        return True

    def _handle_batches(self, conn: kombu.Connection) -> None:
        """Hand gathered messages to their batch handlers once no more arrive
        at once or a batch is full."""
        batching = [sub for sub in self._subscriptions if sub.batch]
        while any(sub.pending for sub in batching):
            full = any(len(sub.pending) >= sub.batch for sub in batching)
            if not full and self._drain(conn, GATHER_SECONDS):
                continue
            for sub in batching:
                if sub.pending:
                    gathered, sub.pending = sub.pending, []
                    values = [value for value, _ in gathered]
                    handle = partial(sub.handler, values)
                    self._settle(sub, [message for _, message in gathered], handle)

    def _deliver(self, sub: _Subscription, message: Message) -> None:
        try:
            value = _PARSERS[sub.kind](json.loads(message.body))
        except Exception as exc:
            self._drop(sub, message, exc)
            return
        if sub.batch:
            sub.pending.append((value, message))
        else:
            self._settle(sub, [message], partial(sub.handler, value, message))

    def _settle(
        self, sub: _Subscription, messages: list[Message], handle: Callable[[], None]
    ) -> None:
        """Run ``handle``; ack ``messages`` after it returns, requeue them after
        a growing pause if it raises (so a failing database does not spin)."""
        try:
            handle()
        except Exception:
            self._failures += 1
            first, longest = REDELIVERY_SECONDS
            pause = min(first * 2 ** (self._failures - 1), longest)
            log.exception("%s handler failed; requeueing its message in %.1f s", sub.kind, pause)
            self._stopping.wait(pause)
            for message in messages:
                if not message.acknowledged:
                    message.requeue()
            return
        self._failures = 0
        for message in messages:
            if not message.acknowledged:
                message.ack()

    @staticmethod
    def _drop(sub: _Subscription, message: Message, exc: BaseException) -> None:
        # Rejected without requeue: redelivering it could only fail again.
        log.error("dropping undecodable %s message (%s): %r", sub.kind, exc, message.body[:500])
        message.reject(requeue=False)
