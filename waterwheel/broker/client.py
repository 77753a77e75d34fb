"""Publishing to the broker, on RabbitMQ or in one process; consumers take
their connections from here too (see ``consumer``).

``Broker("amqp://...")`` is production. Publishes use publisher confirms, so
one returns only once RabbitMQ has the message, and retry through a lost
connection for about a minute, so a broker restart loses nothing a caller was
told was published; a message may then arrive twice, so consumers must be
idempotent, as they are for redeliveries anyway. Task, progress and token
messages are persistent. Connections have no AMQP heartbeat: a worker's handler
holds its connection's thread for a whole task run, and missed heartbeats would
make RabbitMQ requeue a task that still runs. TCP keepalive finds dead peers.

``Broker("memory://")`` serves the standalone process with the in-process
broker of ``memory``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

import kombu
from kombu.exceptions import OperationalError
from kombu.pools import ProducerPool

from waterwheel.broker import memory
from waterwheel.broker.messages import ConfigUpdate, Progress, TaskRequest, TokenOp
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
            self._base = memory.connection()  # one per process, whatever the URL's host
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

    def publish_token_op(self, op: TokenOp) -> None:
        """To one scheduler."""
        target = self.topology.tokens_queue
        self._publish(op.to_json(), target.exchange, target.routing_key, declare=target)

    def publish_config(self, update: ConfigUpdate) -> None:
        """To every worker; transient."""
        exchange = self.topology.config_exchange
        self._publish(update.to_json(), exchange, "", declare=exchange, persistent=False)

    def wait_taken(self, queue: kombu.Queue, timeout: float) -> bool:
        """Wait until ``queue``'s messages are taken by its consumers, for at
        most ``timeout`` seconds; False if some are left. Only the in-process
        broker needs this, as its messages die with the process (RabbitMQ keeps
        them): for any other it returns True at once."""
        transport = self._base.transport
        if not isinstance(transport, memory.MemoryTransport):
            return True
        return transport.wait_taken(queue.name, timeout)

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
