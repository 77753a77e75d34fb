"""The vocabulary shared by tokens, task runs and progress messages."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    WAITING = "waiting"  # token below its threshold, or reset
    ACTIVE = "active"  # a run is queued, not yet picked up
    RUNNING = "running"
    SUCCESS = "success"
    FAILURE = "failure"
    TIMEOUT = "timeout"
    ERROR = "error"  # could not be run
    CANCELLED = "cancelled"  # refused because the job is paused
    RETRY = "retry"  # token only: a retry is scheduled
    # Tasks with a trigger rule can also end without running:
    SKIPPED = "skipped"  # chose to skip, or skipped by a branch or by its rule
    UPSTREAM_FAILED = "upstream_failed"  # its rule can no longer be met


FINAL_STATES = frozenset(
    {
        State.SUCCESS,
        State.FAILURE,
        State.TIMEOUT,
        State.ERROR,
        State.SKIPPED,
        State.UPSTREAM_FAILED,
    }
)
ALL_STATES = frozenset(s.value for s in State)


class Priority(StrEnum):
    BACKFILL = "backfill"
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"

    @property
    def amqp(self) -> int:
        """The message priority on the broker's task queue (0 to 3)."""
        return list(Priority).index(self)


ALL_PRIORITIES = frozenset(p.value for p in Priority)
