"""The bodies of broker messages, as dataclasses with JSON forms.

Field names follow the original where it had the message; the bytes need not
match it. Times are RFC 3339 UTC strings on the wire.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from waterwheel.timeutil import format_datetime, parse_datetime


@dataclass(frozen=True)
class TaskRequest:
    """Scheduler to workers: run this task run (its row exists already)."""

    task_run_id: uuid.UUID
    task_id: uuid.UUID
    trigger_datetime: datetime
    priority: str
    attempt: int

    def to_json(self) -> dict[str, Any]:
        return {
            "task_run_id": str(self.task_run_id),
            "task_id": str(self.task_id),
            "trigger_datetime": format_datetime(self.trigger_datetime),
            "priority": self.priority,
            "attempt": self.attempt,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskRequest:
        return cls(
            task_run_id=uuid.UUID(data["task_run_id"]),
            task_id=uuid.UUID(data["task_id"]),
            trigger_datetime=parse_datetime(data["trigger_datetime"]),
            priority=data.get("priority", "normal"),
            attempt=int(data.get("attempt", 1)),
        )


@dataclass(frozen=True)
class Progress:
    """Worker to schedulers: a run started (``running``, also as a heartbeat)
    or ended (``success``, ``failure``, ``timeout``, ``error``, ``cancelled``)."""

    task_run_id: uuid.UUID
    task_id: uuid.UUID
    trigger_datetime: datetime
    started_datetime: datetime
    finished_datetime: datetime | None
    result: str
    worker_id: uuid.UUID

    def to_json(self) -> dict[str, Any]:
        return {
            "task_run_id": str(self.task_run_id),
            "task_id": str(self.task_id),
            "trigger_datetime": format_datetime(self.trigger_datetime),
            "started_datetime": format_datetime(self.started_datetime),
            "finished_datetime": format_datetime(self.finished_datetime),
            "result": self.result,
            "worker_id": str(self.worker_id),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        finished = data.get("finished_datetime")
        return cls(
            task_run_id=uuid.UUID(data["task_run_id"]),
            task_id=uuid.UUID(data["task_id"]),
            trigger_datetime=parse_datetime(data["trigger_datetime"]),
            started_datetime=parse_datetime(data["started_datetime"]),
            finished_datetime=parse_datetime(finished) if finished else None,
            result=data["result"],
            worker_id=uuid.UUID(data["worker_id"]),
        )


def token_key_json(task_id: uuid.UUID, trigger_datetime: datetime) -> dict[str, str]:
    return {"task_id": str(task_id), "trigger_datetime": format_datetime(trigger_datetime) or ""}


def token_key_from_json(data: dict[str, str]) -> tuple[uuid.UUID, datetime]:
    return uuid.UUID(data["task_id"]), parse_datetime(data["trigger_datetime"])


# Token operations (API to schedulers), externally tagged as in the original:
#   {"Activate": [[{task_id, trigger_datetime}, ...], "<priority>"]}
#   {"Clear": [{task_id, trigger_datetime}, ...]}
#   {"UnpauseJob": "<job id>"}
# Config updates (API to workers): {"TaskDef": "<task id>"} or {"Project": "<id>"}.
# Trigger updates (API to schedulers): a JSON array of trigger ids.
