"""Taking messages from the broker: each kind from its queues, parsed, handed
to a handler, and acked only once the handler is done.

Kept apart from publishing because consuming is a loop of its own: a thread
per ``Consumer``, its prefetch windows, redelivery of failed messages and
reconnection after a lost connection. It works alike on RabbitMQ and on the
in-process broker; see ``client`` and ``memory``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

import kombu
from kombu.message import Message

from waterwheel.broker.client import Broker
from waterwheel.broker.messages import (
    Progress,
    TaskRequest,
    parse_config_update,
    parse_token_op,
    parse_trigger_update,
)
from waterwheel.broker.topology import DEFAULT_WORKER_QUEUE

log = logging.getLogger(__name__)


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
