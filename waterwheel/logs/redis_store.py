"""Run logs in Redis streams, as the original kept them: ``waterwheel-logs.<id>``
with one ``data`` entry per line, plus an ``end`` entry when the run ends, after
which the key expires. Workers write here directly; the API reads and follows
with ``XREAD BLOCK``, so a live log reaches the browser without polling."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Sequence

import redis

from waterwheel.logs.store import (
    DEFAULT_MAX_LINES,
    DEFAULT_RETENTION,
    FOLLOW_BATCH,
    START,
    Entry,
    InvalidCursor,
    LogPage,
    LogStore,
    page,
)

BLOCK_MS = 1000  # one XREAD BLOCK; short, so that a stop request is seen soon
_STREAM_ID = re.compile(r"^\d+(-\d+)?$")


def stream_key(task_run_id: uuid.UUID) -> str:
    return f"waterwheel-logs.{task_run_id}"


def _text(value: bytes | None) -> str | None:
    # Lines are the raw bytes a container wrote: never let one bad byte end a log.
    return None if value is None else value.decode("utf-8", errors="replace")


class RedisLogStore(LogStore):
    def __init__(
        self,
        client: redis.Redis,
        max_lines: int = DEFAULT_MAX_LINES,
        retention: int = DEFAULT_RETENTION,
    ) -> None:
        self._redis = client
        self._max_lines = max_lines
        self._retention = retention

    @classmethod
    def from_url(cls, url: str, **kwargs: int) -> RedisLogStore:
        return cls(redis.Redis.from_url(url), **kwargs)

    def append(self, task_run_id: uuid.UUID, lines: Sequence[str], end: str | None = None) -> None:
        key = stream_key(task_run_id)
        with self._redis.pipeline(transaction=True) as pipe:
            for line in lines:
                pipe.xadd(key, {"data": line}, maxlen=self._max_lines, approximate=True)
            if end is not None:
                pipe.xadd(key, {"end": end})
                pipe.expire(key, self._retention)
            pipe.execute()

    def read(self, task_run_id: uuid.UUID, after: str = START, count: int = 1000) -> LogPage:
        return page(self._xread(task_run_id, after, count + 1, block=None), count)

    def _wait(self, task_run_id: uuid.UUID, after: str, stop: threading.Event) -> LogPage:
        return page(self._xread(task_run_id, after, FOLLOW_BATCH + 1, block=BLOCK_MS), FOLLOW_BATCH)

    def _xread(
        self, task_run_id: uuid.UUID, after: str, count: int, block: int | None
    ) -> list[Entry]:
        if not _STREAM_ID.match(after):
            raise InvalidCursor(f"invalid cursor '{after}': expected a stream id like 1-0")
        reply = self._redis.xread({stream_key(task_run_id): after}, count=count, block=block)
        if not reply:
            return []
        [(_key, messages)] = reply
        return [
            (entry_id.decode(), _text(fields.get(b"data")), _text(fields.get(b"end")))
            for entry_id, fields in messages
        ]
