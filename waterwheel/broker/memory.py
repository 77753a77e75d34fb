"""The in-process broker of the standalone process: kombu's memory transport
given the priority queues it lacks and consumers that sleep instead of polling.

kombu makes a transport per connection, yet every connection of the process
must reach the same exchanges and queues, so they all use one ``_ProcessBroker``
that lives as long as the process. Fanout works, whatever kombu's docstring
says. What the in-process broker cannot have is durability (the database is the record; a
scheduler restores runs from it at start), exclusive queues (a consumer deletes
its broadcast queues when it stops) and consumer timeouts. A consumer sleeps
until a message arrives, and a requeued message goes behind the others of its
priority, not in front.
"""

from __future__ import annotations

import itertools
import threading
import time
from queue import Empty, PriorityQueue
from typing import Any

import kombu
from kombu.transport import memory, virtual


class _ProcessBroker:
    """The exchanges, bindings and priority queues of this process, and a
    signal that wakes consumers when a message arrives."""

    def __init__(self) -> None:
        self.bindings = virtual.BrokerState()  # exchanges and bindings, kept by kombu
        self._queues: dict[str, PriorityQueue] = {}
        self._sequence = itertools.count()  # FIFO among messages of one priority
        self._arrived = threading.Condition()
        self._generation = 0  # counts arrivals

    @property
    def generation(self) -> int:
        """Read before looking at the queues and passed to ``wait_for_arrival``,
        so a message put between an empty look and the wait is never slept
        through."""
        return self._generation

    def has_queue(self, name: str) -> bool:
        return name in self._queues

    def queue(self, name: str) -> PriorityQueue:
        """The queue called ``name``, created if need be."""
        return self._queues.setdefault(name, PriorityQueue())

    def delete_queue(self, name: str) -> None:
        self._queues.pop(name, None)

    def put(self, name: str, message: dict, priority: int) -> None:
        """Queue ``message`` behind those of its priority, before lower ones."""
        self.queue(name).put(((-priority, next(self._sequence)), message))
        with self._arrived:
            self._generation += 1
            self._arrived.notify_all()

    def get(self, name: str) -> dict:
        """The first message of ``name``; raises ``queue.Empty`` if none waits."""
        return self.queue(name).get(block=False)[1]

    def wait_for_arrival(self, seen: int, timeout: float) -> None:
        """Sleep until a message arrives after ``generation`` was ``seen``, or
        for ``timeout`` seconds."""
        with self._arrived:
            self._arrived.wait_for(lambda: self._generation != seen, timeout)

    def wait_taken(self, name: str, timeout: float) -> bool:
        """Wait until no message waits in ``name``; False if one still does
        after ``timeout`` seconds."""
        waiting = self._queues.get(name)
        deadline = time.monotonic() + timeout
        while waiting is not None and not waiting.empty():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True


# kombu's memory transport is one broker per process; so is this one.
_PROCESS_BROKER = _ProcessBroker()


class _MemoryChannel(memory.Channel):
    """kombu's memory channel on the process's priority queues (highest first,
    FIFO within one)."""

    do_restore = True  # like RabbitMQ: a closed channel's unacked messages go back

    def _has_queue(self, queue: str, **kwargs: Any) -> bool:
        return _PROCESS_BROKER.has_queue(queue)

    def _new_queue(self, queue: str, **kwargs: Any) -> None:
        _PROCESS_BROKER.queue(queue)

    def _queue_for(self, queue: str) -> PriorityQueue:
        return _PROCESS_BROKER.queue(queue)

    def _put(self, queue: str, message: dict, **kwargs: Any) -> None:
        _PROCESS_BROKER.put(queue, message, self._get_message_priority(message))

    def _put_fanout(self, exchange: str, message: dict, routing_key: str, **kwargs: Any) -> None:
        for queue in self._lookup(exchange, routing_key):
            self._put(queue, message)

    def _get(self, queue: str, timeout: float | None = None) -> dict:
        return _PROCESS_BROKER.get(queue)

    def queue_delete(self, queue: str, *args: Any, **kwargs: Any) -> None:
        # As in AMQP, with its bindings: kombu keeps them in the exchange's
        # table, where the next fanout message would recreate the queue.
        for exchange, routing_key, arguments in list(self.state.queue_bindings(queue)):
            self.queue_unbind(queue, exchange, routing_key, arguments)
        _PROCESS_BROKER.delete_queue(queue)


class MemoryTransport(memory.Transport):
    """The transport of ``connection()``: every instance works on the process's
    one broker."""

    Channel = _MemoryChannel
    polling_interval = 1.0  # a consumer wakes at least this often (to see stop)

    def __init__(self, client: kombu.Connection, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.state = _PROCESS_BROKER.bindings

    def drain_events(self, connection: Any, timeout: float | None = None) -> None:
        """Deliver one message, sleeping until one arrives (not polling)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            seen = _PROCESS_BROKER.generation
            try:
                self.cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                remaining = self.polling_interval
                if deadline is not None:
                    remaining = min(remaining, deadline - time.monotonic())
                    if remaining <= 0:
                        raise TimeoutError() from None
                _PROCESS_BROKER.wait_for_arrival(seen, remaining)

    def wait_taken(self, queue: str, timeout: float) -> bool:
        """Wait until ``queue``'s messages are taken by its consumers, for at
        most ``timeout`` seconds; False if some are left."""
        return _PROCESS_BROKER.wait_taken(queue, timeout)


def connection() -> kombu.Connection:
    """A new, unconnected connection to the process's broker (there is no
    other, so the URL's host names nothing)."""
    return kombu.Connection("memory://localhost", transport=MemoryTransport)
