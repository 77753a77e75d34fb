"""A worker process: task slots consuming requests, a heartbeat to the API,
and a listener that keeps the cached task definitions fresh.

Each slot has its own broker consumer with a prefetch of one, so the worker
runs at most ``max_tasks`` tasks at once, and a request is acknowledged only
after its run ended and the final progress was published.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid

from flask import Flask
from kombu.message import Message

from waterwheel import __version__
from waterwheel.auth.tokens import TokenKeys
from waterwheel.broker.client import Broker
from waterwheel.broker.consumer import Consumer, Kind
from waterwheel.broker.messages import ConfigUpdate, TaskRequest
from waterwheel.config import Settings
from waterwheel.metrics import Metrics
from waterwheel.states import State
from waterwheel.timeutil import format_datetime, utcnow
from waterwheel.worker.api_client import ApiClient, ApiUnavailable
from waterwheel.worker.engines import make_engine
from waterwheel.worker.engines.base import Engine
from waterwheel.worker.inprocess import WsgiTransport
from waterwheel.worker.log_writer import log_writer
from waterwheel.worker.runner import TaskRunner

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
# How long stopping may take beyond the engine's grace period for the tasks.
STOP_MARGIN_SECONDS = 10
STARTUP_ATTEMPTS = 5


class Worker:
    def __init__(
        self,
        settings: Settings,
        broker: Broker,
        keys: TokenKeys,
        metrics: Metrics,
        engine: Engine | None = None,
        api_app: Flask | None = None,
    ) -> None:
        """``api_app``: the API's app when it runs in this process (standalone)."""
        self.settings = settings
        self.broker = broker
        self.metrics = metrics
        self.id = uuid.uuid4()
        transport = WsgiTransport(api_app) if api_app is not None else None
        self.api = ApiClient(settings.server_addr, keys, transport)
        self.engine = engine or make_engine(
            settings.task_engine, settings.server_addr, settings.task_network
        )
        self.runner = TaskRunner(
            settings,
            self.id,
            self.api,
            keys,
            self.engine,
            broker.publish_progress,
            lambda run_id: log_writer(settings, run_id, self.api),
        )
        self.running = 0
        self.total = 0
        self._count_lock = threading.Lock()
        self.stopping = threading.Event()
        self.slots = [self._slot(n) for n in range(settings.max_tasks)]
        self.config = Consumer(broker)
        self.config.consume(Kind.CONFIG, self._on_config, prefetch=100)
        self._threads = [
            threading.Thread(target=self._heartbeats, name="worker-heartbeat", daemon=True),
            threading.Thread(
                target=self.runner.send_heartbeats,
                args=(self.stopping,),
                name="task-heartbeats",
                daemon=True,
            ),
        ]

    def _slot(self, n: int) -> Consumer:
        consumer = Consumer(self.broker)
        consumer.consume(
            Kind.TASKS, self._on_task, prefetch=1, queues=list(self.settings.worker_queues)
        )
        return consumer

    def _on_task(self, request: TaskRequest, message: Message) -> None:
        if self.stopping.is_set():  # it arrived as the worker began to stop
            message.requeue()
            return
        self.metrics.task_received(self.id)
        with self._count_lock:
            self.running += 1
        self.metrics.tasks_running(self.id, self.running)
        try:
            result = self.runner.handle(request)
        finally:
            with self._count_lock:
                self.running -= 1
        self.metrics.tasks_running(self.id, self.running)
        if result is not None:
            with self._count_lock:
                self.total += 1
            self.metrics.task_finished(self.id, result)

    def _on_config(self, update: ConfigUpdate, _message: Message) -> None:
        if update.kind == "TaskDef":
            self.api.forget_task(update.id)

    def heartbeat(self) -> None:
        self.api.heartbeat(
            {
                "uuid": str(self.id),
                "addr": socket.gethostname(),
                "last_seen_datetime": format_datetime(utcnow()),
                "running_tasks": self.running,
                "total_tasks": self.total,
                "version": __version__,
            }
        )

    def _orphaned(self, run_id: uuid.UUID, started_by: str | None) -> bool:
        """Left behind by a worker that died: the run is not ours, and it ended
        (its worker was declared lost) or runs on another worker now."""
        if self.runner.is_running(run_id):
            return False
        found = self.api.run_state(run_id)
        if found is None:
            return True
        state, worker = found
        # Without a worker label (an older worker's), only an ended run tells.
        return state != State.RUNNING or (started_by is not None and worker != started_by)

    def remove_orphans(self) -> int:
        try:
            return self.engine.remove_orphans(self._orphaned)
        except ApiUnavailable as exc:
            log.warning("looking for orphaned task runs failed: %s", exc)
            return 0

    def _heartbeats(self) -> None:
        """The worker's heartbeat, and a look for orphans as often as a run
        can be declared lost (none is an orphan before)."""
        orphans_every = self.settings.task_heartbeat * self.settings.requeue_missed_heartbeats
        next_orphans = time.monotonic()
        while not self.stopping.wait(HEARTBEAT_SECONDS):
            try:
                self.heartbeat()
            except ApiUnavailable as exc:
                log.warning("worker heartbeat failed: %s", exc)
            if time.monotonic() >= next_orphans:
                self.remove_orphans()
                next_orphans = time.monotonic() + orphans_every

    def start(self) -> Worker:
        """Announce the worker to the API (it must be reachable), then take tasks."""
        for attempt in range(1, STARTUP_ATTEMPTS + 1):
            try:
                self.heartbeat()
                break
            except ApiUnavailable as exc:
                if attempt == STARTUP_ATTEMPTS:
                    raise
                log.warning("API not reachable yet (%s); trying again", exc)
                time.sleep(HEARTBEAT_SECONDS)
        self.config.start(name="worker-config")
        for n, slot in enumerate(self.slots):
            slot.start(name=f"worker-slot-{n}")
        for thread in self._threads:
            thread.start()
        log.info(
            "worker %s started with %d slots; %s", self.id, len(self.slots), self.engine.isolation()
        )
        return self

    def stop(self) -> None:
        """Stop taking tasks, then end the running ones, whose runs are handed
        back to be run again (by another worker, or this one once restarted)."""
        self.stopping.set()
        for slot in self.slots:  # no slot takes a request from now on...
            slot.stop(timeout=0)
        self.runner.stop.set()  # ...so none takes the new attempt of a run handed back
        self.config.stop()
        # A task that ignores SIGTERM is killed after the engine's grace period;
        # its run is handed back only after that.
        deadline = time.monotonic() + self.engine.grace + STOP_MARGIN_SECONDS
        for slot in self.slots:
            if not slot.stop(timeout=max(0.0, deadline - time.monotonic())):
                log.warning("a task slot did not stop in time; its run will be found lost")
        for thread in self._threads:
            thread.join(timeout=HEARTBEAT_SECONDS + 1)
        log.info("worker %s stopped", self.id)
