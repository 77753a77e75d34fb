"""Statsd metrics of the original (section 9.1), with DogStatsD tags.

Names start ``waterwheel.``; tags ride as ``|#key:value,bare``. Metrics go over
UDP to ``statsd_server`` (``host:port``) when it is set, and are discarded
otherwise, so callers never check. A UDP send never blocks on or fails for a
missing collector.
"""

from __future__ import annotations

import logging
import uuid

from statsd import StatsClient

from waterwheel.config import ConfigError, Settings

log = logging.getLogger(__name__)

PREFIX = "waterwheel"
_ID_TAGS = {"project": "proj_id", "job": "job_id"}  # stash scope -> its id's tag


class TaggedStatsClient(StatsClient):
    """statsd's UDP client, plus the DogStatsD tags it does not support."""

    def send_tagged(self, stat: str, value: str, tags: list[str]) -> None:
        data = self._prepare(stat, value, 1)
        self._after(f"{data}|#{','.join(tags)}" if tags else data)


def _address(server: str) -> tuple[str, int]:
    host, _, port = server.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"WATERWHEEL_STATSD_SERVER: expected host:port, got '{server}'")
    return host.strip("[]"), int(port)


class Metrics:
    """One method per metric, named for it."""

    def __init__(self, client: TaggedStatsClient | None) -> None:
        self._client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> Metrics:
        if not settings.statsd_server:
            log.info("WATERWHEEL_STATSD_SERVER is not set: metrics are discarded")
            return cls(None)
        host, port = _address(settings.statsd_server)
        try:
            client = TaggedStatsClient(host, port, prefix=PREFIX, ipv6=":" in host)
        except OSError as exc:
            raise ConfigError(f"WATERWHEEL_STATSD_SERVER: {exc}") from None
        return cls(client)

    def _send(self, stat: str, value: str, *tags: str) -> None:
        if self._client is not None:
            self._client.send_tagged(stat, value, list(tags))

    def triggers_queued(self, n: int) -> None:
        """Scheduler, each trigger-loop turn: trigger times waiting to fire."""
        self._send("triggers.queued", f"{n}|g")

    def task_enqueued(self, priority: str) -> None:
        """Scheduler, each task run published."""
        self._send("tasks.enqueued", "1|c", f"priority:{priority}")

    def task_received(self, worker_id: uuid.UUID) -> None:
        """Worker, each task request taken."""
        self._send("tasks.received", "1|c", f"worker_id:{worker_id}")

    def tasks_running(self, worker_id: uuid.UUID, n: int) -> None:
        """Worker, as a run starts and ends: runs in progress."""
        self._send("tasks.running", f"{n}|g", f"worker_id:{worker_id}")

    def task_finished(self, worker_id: uuid.UUID, result: str) -> None:
        """Worker, each run ended, by its result state."""
        self._send("tasks.total", "1|c", f"worker_id:{worker_id}", f"result:{result}")

    def stash_get(self, scope: str, id: uuid.UUID | None = None) -> None:
        """API, each stash read by a task (found or not): ``scope`` is
        ``global``, ``project`` or ``job``; ``id`` the project or job."""
        tags = [scope]
        if scope in _ID_TAGS:
            tags.append(f"{_ID_TAGS[scope]}:{id}")
        self._send("stash.get", "1|c", *tags)
