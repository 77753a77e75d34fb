"""The exchanges and queues every process declares before it uses them.

Names follow the original (section 4.1) under a prefix, so parallel test runs
or several installations can share one RabbitMQ. Every queue is declared with
the exchange and binding it needs, by publishers and consumers alike: nothing
binds to an exchange that somebody else was supposed to declare (original bug
17), and a message published before its consumer starts waits in its queue.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kombu import Exchange, Queue

from waterwheel.config import Settings

DEFAULT_WORKER_QUEUE = "default"
MAX_PRIORITY = 3  # Priority.HIGH.amqp


@dataclass(frozen=True)
class Topology:
    prefix: str = "waterwheel"
    consumer_timeout_ms: int = 24 * 3600 * 1000

    @classmethod
    def from_settings(cls, settings: Settings, prefix: str = "waterwheel") -> Topology:
        return cls(prefix=prefix, consumer_timeout_ms=settings.amqp_consumer_timeout * 1000)

    @property
    def tasks_exchange(self) -> Exchange:
        return Exchange(f"{self.prefix}.tasks", "direct", durable=True)

    def task_queue(self, worker_queue: str = DEFAULT_WORKER_QUEUE) -> Queue:
        """The priority queue of one worker queue; its name is also its routing key.

        The consumer timeout must outlast the longest task: a worker acks only
        when its run ends, and RabbitMQ requeues anything held longer. The queue
        argument needs RabbitMQ 3.12; older servers apply their global
        ``consumer_timeout`` (30 minutes by default) instead.
        """
        name = f"{self.prefix}.tasks"
        if worker_queue != DEFAULT_WORKER_QUEUE:
            name = f"{name}.{worker_queue}"
        return Queue(
            name,
            self.tasks_exchange,
            routing_key=name,
            durable=True,
            queue_arguments={
                "x-max-priority": MAX_PRIORITY,
                "x-consumer-timeout": self.consumer_timeout_ms,
            },
        )

    @property
    def results_exchange(self) -> Exchange:
        return Exchange(f"{self.prefix}.results", "direct", durable=True)

    @property
    def results_queue(self) -> Queue:
        """Progress from workers; schedulers compete for it."""
        return Queue(f"{self.prefix}.results", self.results_exchange, routing_key="", durable=True)

    @property
    def triggers_exchange(self) -> Exchange:
        return Exchange(f"{self.prefix}.updates.triggers", "fanout", durable=True)

    def triggers_subscriber(self) -> Queue:
        """A new queue that gets every trigger update, for one scheduler."""
        return self._subscriber(self.triggers_exchange)

    @property
    def tokens_exchange(self) -> Exchange:
        return Exchange(f"{self.prefix}.updates.tokens", "direct", durable=True)

    @property
    def tokens_queue(self) -> Queue:
        """Token operations from the API; each goes to exactly one scheduler."""
        return Queue(
            f"{self.prefix}.updates.tokens", self.tokens_exchange, routing_key="", durable=True
        )

    @property
    def config_exchange(self) -> Exchange:
        return Exchange(f"{self.prefix}.config", "fanout", durable=True)

    def config_subscriber(self) -> Queue:
        """A new queue that gets every config update, for one worker."""
        return self._subscriber(self.config_exchange)

    @staticmethod
    def _subscriber(exchange: Exchange) -> Queue:
        # Named after its exchange, to be recognisable in RabbitMQ's listings.
        return Queue(
            f"{exchange.name}.{uuid.uuid4().hex}",
            exchange,
            exclusive=True,
            auto_delete=True,
            durable=False,
        )
