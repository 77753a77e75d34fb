"""What both log stores share: the entry types, the page rule and following.

A run's log is a sequence of lines, each with an id that orders it, closed by
an end marker carrying the run's outcome. Readers page through it with an
opaque cursor (the id of the last line they have) and tell "finished" from
"quiet" by the marker, which the original lacked.
"""

from __future__ import annotations

import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

START = "0-0"  # the cursor before the first line
DEFAULT_MAX_LINES = 100_000  # lines kept per run; older ones are trimmed
DEFAULT_RETENTION = 4 * 3600  # seconds a log is kept after its run ends
FOLLOW_BATCH = 100  # lines per batch while following
POLL_INTERVAL = 0.5  # seconds between looks for stores without push


class InvalidCursor(ValueError):
    """An ``after`` cursor the store never hands out."""


class LogLine(NamedTuple):
    id: str
    line: str


class LogPage(NamedTuple):
    """Lines after a cursor; ``end`` is the outcome once the end marker is reached."""

    lines: list[LogLine]
    end: str | None

    @property
    def ended(self) -> bool:
        return self.end is not None


# One stored entry, as the stores read it: id, line, outcome (on the end marker).
Entry = tuple[str, str | None, str | None]


def page(entries: Iterable[Entry], count: int) -> LogPage:
    """At most ``count`` lines; read ``count + 1`` entries so that an end marker
    right after a full page ends it, sparing the reader an empty last page."""
    lines: list[LogLine] = []
    for entry_id, line, end in entries:
        if end is not None:
            return LogPage(lines, end)
        if len(lines) == count:
            break
        lines.append(LogLine(entry_id, line or ""))
    return LogPage(lines, None)


class LogStore(ABC):
    """Append-only run logs, readable in pages and followable live."""

    @abstractmethod
    def append(self, task_run_id: uuid.UUID, lines: Sequence[str], end: str | None = None) -> None:
        """Add ``lines``, then the end marker with outcome ``end`` when given."""

    @abstractmethod
    def read(self, task_run_id: uuid.UUID, after: str = START, count: int = 1000) -> LogPage:
        """Up to ``count`` lines after the cursor ``after``; never blocks."""

    def follow(
        self, task_run_id: uuid.UUID, stop: threading.Event, after: str = START
    ) -> Iterator[LogPage]:
        """Yield non-empty pages as lines arrive, until the end marker (the last
        page, ``ended``) or ``stop`` is set (checked at least every second)."""
        while not stop.is_set():
            batch = self._wait(task_run_id, after, stop)
            if batch.lines or batch.ended:
                yield batch
            if batch.ended:
                return
            if batch.lines:
                after = batch.lines[-1].id

    def _wait(self, task_run_id: uuid.UUID, after: str, stop: threading.Event) -> LogPage:
        """The next batch, polling: stores that can block on new entries override this."""
        batch = self.read(task_run_id, after, FOLLOW_BATCH)
        if not batch.lines and not batch.ended:
            stop.wait(POLL_INTERVAL)
        return batch
