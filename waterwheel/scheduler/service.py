"""A scheduler process: its threads and the broker messages that drive them.

Threads: the trigger loop; a maintenance loop (liveness row, due retries, lost
runs, republishing runs whose message may not have reached the broker); and
one broker consumer for progress, token operations and trigger updates. Every
handler commits before its message is acknowledged, and publishes the runs it
queued only after that commit.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timedelta

from kombu.message import Message

from waterwheel.auth.tokens import TokenKeys
from waterwheel.broker.client import Broker
from waterwheel.broker.consumer import Consumer, Kind
from waterwheel.broker.messages import ActivateTokens, ClearTokens, Progress, TokenOp
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.metrics import Metrics
from waterwheel.scheduler import maintenance
from waterwheel.scheduler.membership import Membership
from waterwheel.scheduler.progress import apply_progress, authentic
from waterwheel.scheduler.runs import Execution, mark_published, queued, run_ready, unpublished
from waterwheel.scheduler.triggers import TriggerLoop
from waterwheel.timeutil import utcnow

log = logging.getLogger(__name__)

# A run still unpublished this long after its commit lost its publisher.
REPUBLISH_AFTER = timedelta(seconds=10)
MAINTENANCE_SECONDS = 1.0
# Progress messages applied in one transaction: under load most of a
# message's cost is the transaction around it.
PROGRESS_BATCH = 100


class Scheduler:
    def __init__(self, settings: Settings, db: Database, broker: Broker, metrics: Metrics) -> None:
        self.settings = settings
        self.db = db
        self.broker = broker
        self.metrics = metrics
        self.keys = TokenKeys.from_settings(settings)  # to verify progress messages
        self.id = uuid.uuid4()
        self.membership = Membership(db, self.id, settings.scheduler_heartbeat)
        self.triggers = TriggerLoop(
            db, self.membership.owns, self.dispatch, self._queued, settings.max_catchup
        )
        self.consumer = Consumer(broker, on_connect=self.triggers.reload)
        self.consumer.consume_batches(Kind.PROGRESS, self._on_progress, size=PROGRESS_BATCH)
        self.consumer.consume(Kind.TOKENS, self._on_token_op, prefetch=100)
        self.consumer.consume(Kind.TRIGGERS, lambda _ids, _m: self.triggers.reload(), prefetch=100)
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._queue_length = (0, None)

    # Publishing.

    def dispatch(self, executions: list[Execution]) -> None:
        """Send committed runs to their worker queues, then record that they went."""
        if not executions:
            return
        for execution in executions:
            self.broker.publish_task(execution.request, execution.queue)
            self.metrics.task_enqueued(execution.request.priority)
        with self.db.transaction() as session:
            mark_published(session, executions)

    def requeue_queued(self) -> int:
        """Send every queued run again: for an in-process broker, which starts
        empty, so the runs queued when the last process stopped are not lost.
        (RabbitMQ keeps its messages; there this would only duplicate them.)"""
        with self.db.read() as session:
            executions = queued(session)
        self.dispatch(executions)
        return len(executions)

    # Broker handlers: each commits, then publishes; the message is acked after.

    def _on_progress(self, batch: list[Progress]) -> None:
        batch = authentic(batch, self.keys)
        if not batch:
            return
        with self.db.transaction() as session:
            executions = apply_progress(session, batch, self.settings.default_task_retry_delay)
        self.dispatch(executions)

    def _on_token_op(self, op: TokenOp, _message: Message) -> None:
        with self.db.transaction() as session:
            if isinstance(op, ActivateTokens):
                executions = run_ready(session, op.tokens, op.priority)
            elif isinstance(op, ClearTokens):
                maintenance.forget_retries(session, list(op.tokens))
                executions = []
            else:
                executions = maintenance.resume_job(session, op.job_id)
        self.dispatch(executions)

    # Loops.

    def _queued(self, length: int, waiting_for: uuid.UUID | None) -> None:
        self._queue_length = (length, waiting_for)
        self.metrics.triggers_queued(length)

    def _maintain(self) -> None:
        next_beat = next_requeue = utcnow()
        while not self.stopping.wait(MAINTENANCE_SECONDS):
            now = utcnow()
            try:
                if now >= next_beat:
                    if self.membership.beat(*self._queue_length):
                        self.triggers.reload()  # schedulers came or went: ownership moved
                    next_beat = now + timedelta(seconds=self.settings.scheduler_heartbeat)
                self._sweep(now, requeue=now >= next_requeue)
                if now >= next_requeue:
                    next_requeue = now + timedelta(seconds=self.settings.requeue_interval)
            except Exception:
                log.exception("scheduler maintenance failed; trying again")

    def _sweep(self, now: datetime, requeue: bool) -> None:
        """Each second: due retries, lost runs (every requeue interval), and runs
        whose message may not have reached the broker. Reads decide whether a
        write transaction is needed at all."""
        with self.db.read() as session:
            next_retry = maintenance.next_retry_at(session)
        if next_retry is not None and next_retry <= now:
            with self.db.transaction() as session:
                executions = maintenance.due_retries(session, now)
            self.dispatch(executions)
        if requeue:
            silent = maintenance.silent_threshold(
                now, self.settings.task_heartbeat, self.settings.requeue_missed_heartbeats
            )
            with self.db.transaction() as session:
                executions = maintenance.requeue_lost(session, silent, now)
            self.dispatch(executions)
        with self.db.read() as session:
            executions = unpublished(session, now - REPUBLISH_AFTER)
        self.dispatch(executions)

    def start(self) -> Scheduler:
        self.membership.beat(0, None)
        self.consumer.start(name="scheduler-consumer")
        for name, target in (
            ("scheduler-triggers", lambda: self.triggers.run(self.stopping)),
            ("scheduler-maintenance", self._maintain),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("scheduler %s started", self.id)
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.triggers.wake.set()
        self.consumer.stop()
        for thread in self._threads:
            thread.join(timeout=10)
        self.membership.leave()
        log.info("scheduler %s stopped", self.id)
