"""Run logs in the ``task_log`` table, for the embedded setup that has no Redis.

Only the API uses this store (workers never open the database: they POST their
lines to the API). Followers poll, since a database cannot push; bounds match
Redis: at most ``max_lines`` lines per run, and a log is deleted ``retention``
seconds after its end marker, swept whenever another run ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select

from waterwheel.db import Database
from waterwheel.db.models import TaskLog
from waterwheel.logs.store import (
    DEFAULT_MAX_LINES,
    DEFAULT_RETENTION,
    START,
    InvalidCursor,
    LogPage,
    LogStore,
    page,
)
from waterwheel.timeutil import utcnow


def _seq(cursor: str) -> int:
    if cursor == START:
        return 0
    try:
        seq = int(cursor)
    except ValueError:
        seq = -1
    if seq < 0:
        raise InvalidCursor(f"invalid cursor '{cursor}': expected a line id")
    return seq


class DatabaseLogStore(LogStore):
    def __init__(
        self,
        db: Database,
        max_lines: int = DEFAULT_MAX_LINES,
        retention: int = DEFAULT_RETENTION,
    ) -> None:
        self._db = db
        self._max_lines = max_lines
        self._retention = retention

    def append(self, task_run_id: uuid.UUID, lines: Sequence[str], end: str | None = None) -> None:
        rows: list[dict[str, Any]] = [{"line": line} for line in lines]
        now = utcnow()
        if end is not None:
            rows.append({"outcome": end, "ended_datetime": now})
        if not rows:
            return
        run = TaskLog.task_run_id == task_run_id
        with self._db.transaction() as session:
            last = session.scalar(select(func.max(TaskLog.seq)).where(run)) or 0
            session.execute(
                insert(TaskLog),
                [
                    {"task_run_id": task_run_id, "seq": last + n} | row
                    for n, row in enumerate(rows, 1)
                ],
            )
            newest_line = last + len(lines)  # the end marker does not count
            if newest_line > self._max_lines:
                last_dropped = newest_line - self._max_lines
                session.execute(delete(TaskLog).where(run, TaskLog.seq <= last_dropped))
            if end is not None:
                expired = select(TaskLog.task_run_id).where(
                    TaskLog.ended_datetime < now - timedelta(seconds=self._retention)
                )
                session.execute(delete(TaskLog).where(TaskLog.task_run_id.in_(expired)))

    def read(self, task_run_id: uuid.UUID, after: str = START, count: int = 1000) -> LogPage:
        query = (
            select(TaskLog.seq, TaskLog.line, TaskLog.outcome)
            .where(TaskLog.task_run_id == task_run_id, TaskLog.seq > _seq(after))
            .order_by(TaskLog.seq)
            .limit(count + 1)
        )
        with self._db.read() as session:
            rows = session.execute(query).all()
        return page(((str(seq), line, outcome) for seq, line, outcome in rows), count)
