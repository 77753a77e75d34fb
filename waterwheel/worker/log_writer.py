"""The worker's side of logs: ship a run's output lines as they come.

Lines are batched and sent from one background thread (so they keep their
order) at least every ``FLUSH_INTERVAL``, so a browser following the log sees
them live. With Redis configured they go straight into the run's stream;
otherwise they are POSTed to the API, since the worker never opens the
database. A failed send is retried on the next flush rather than losing lines,
up to a bound past which the oldest are dropped.
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from abc import ABC, abstractmethod

from waterwheel.config import Settings
from waterwheel.logs.redis_store import RedisLogStore
from waterwheel.worker.api_client import ApiClient

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.5  # seconds a line may wait before it is sent
BATCH = 1000  # lines per send
MAX_BUFFERED = 100_000  # unsent lines kept while the sink is unreachable
CLOSE_ATTEMPTS = 5  # sends tried on close before the rest is given up


class LogWriter(ABC):
    """Collects lines from ``write`` and ships them; ``close`` sends the rest
    and the end marker, and returns once they are sent (or given up). A run
    that printed nothing sends nothing: readers then take the run's final
    state as the end of its (empty) log."""

    def __init__(self, task_run_id: uuid.UUID) -> None:
        self.task_run_id = task_run_id
        self._lines: list[str] = []
        self._outcome: str | None = None
        self._wrote = False
        self._ready = threading.Condition()
        # Started by the first line: a run that prints nothing costs no thread.
        self._thread = threading.Thread(
            target=self._run, name=f"log-writer-{task_run_id}", daemon=True
        )

    def write(self, line: str) -> None:
        with self._ready:
            if self._outcome is not None:
                raise RuntimeError("the log writer is closed")
            self._lines.append(line)
            if not self._wrote:
                self._wrote = True
                self._thread.start()
            if len(self._lines) >= BATCH:
                self._ready.notify()

    def close(self, outcome: str) -> None:
        with self._ready:
            self._outcome = outcome
            self._ready.notify()
        if self._wrote:
            self._thread.join()

    @abstractmethod
    def _send(self, lines: list[str], end: str | None) -> None:
        """Deliver one batch, or raise."""

    def _run(self) -> None:
        pending: list[str] = []
        failing = False
        close_attempts = CLOSE_ATTEMPTS
        while True:
            with self._ready:
                if failing or (self._outcome is None and len(self._lines) < BATCH):
                    self._ready.wait(FLUSH_INTERVAL)
                pending += self._lines
                self._lines = []
                end = self._outcome
            if len(pending) > MAX_BUFFERED:
                dropped = len(pending) - MAX_BUFFERED
                log.warning(
                    "log of task run %s: dropped %d unsent lines", self.task_run_id, dropped
                )
                del pending[:dropped]
            try:
                self._flush(pending, end)
            except Exception as exc:
                failing = True
                log.warning("log of task run %s: send failed: %s", self.task_run_id, exc)
                if end is not None:
                    close_attempts -= 1
                    if not close_attempts:
                        log.error(
                            "log of task run %s: gave up %d lines and the end marker",
                            self.task_run_id,
                            len(pending),
                        )
                        return
                continue
            if end is not None:
                return
            failing = False

    def _flush(self, pending: list[str], end: str | None) -> None:
        """Send ``pending`` in batches, removing each once delivered, so a
        failure part way never sends a line twice; the end marker goes last."""
        while pending or end is not None:
            batch = pending[:BATCH]
            last = len(pending) <= BATCH
            self._send(batch, end if last else None)
            del pending[: len(batch)]
            if last:
                return


class RedisLogWriter(LogWriter):
    def __init__(self, store: RedisLogStore, task_run_id: uuid.UUID) -> None:
        self._store = store
        super().__init__(task_run_id)

    def _send(self, lines: list[str], end: str | None) -> None:
        self._store.append(self.task_run_id, lines, end)


class ApiLogWriter(LogWriter):
    """Sends batches to the API (``POST /int-api/task_runs/<id>/logs``), which
    keeps them in the database."""

    def __init__(self, api: ApiClient, task_run_id: uuid.UUID) -> None:
        self._api = api
        super().__init__(task_run_id)

    def _send(self, lines: list[str], end: str | None) -> None:
        self._api.append_log(self.task_run_id, lines, end)


@functools.cache
def _redis_store(url: str, retention: int) -> RedisLogStore:
    """One store, hence one connection pool, per worker process."""
    return RedisLogStore.from_url(url, retention=retention)


def log_writer(settings: Settings, task_run_id: uuid.UUID, api: ApiClient) -> LogWriter:
    """A writer for one run: Redis when configured, else the API."""
    if settings.redis_url:
        return RedisLogWriter(_redis_store(settings.redis_url, settings.log_retention), task_run_id)
    return ApiLogWriter(api, task_run_id)
