"""The bodies of broker messages, as dataclasses with JSON forms.

Field names follow the original where it had the message; the bytes need not
match it. Times are RFC 3339 UTC strings on the wire. Limits on what a worker
may send back about the task requests it took live here too, so the API and
the workers read them from one neutral place.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from waterwheel.states import ALL_PRIORITIES
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


# Task runs one claim may name: a worker claims the runs of the task requests
# its slots took in batches of at most this many, and the API refuses more.
MAX_CLAIM = 100


@dataclass(frozen=True)
class Progress:
    """Worker to schedulers: a run started (``running``, also as a heartbeat)
    or ended (``success``, ``failure``, ``timeout``, ``error``, ``cancelled``).

    A scheduler applies it only to the attempt of the run that ``worker_id``
    claimed, and only with a valid ``signature`` (see ``signed_part``): tasks
    may reach the broker, but not the worker's key."""

    task_run_id: uuid.UUID
    task_id: uuid.UUID
    trigger_datetime: datetime
    started_datetime: datetime
    finished_datetime: datetime | None
    result: str
    worker_id: uuid.UUID
    attempt: int  # of the run the worker claimed
    message: str | None = None  # why a run failed or errored, for people to read
    # The task's exit code when it ended by exiting: the scheduler compares it
    # with the task's fail_exit_code to decide on a retry.
    exit_code: int | None = None
    # With result ``error``: the worker was stopped and stopped the run with
    # it. Not the task's doing: the run is run again at once, as a lost one.
    interrupted: bool = False
    # The worker's signature of ``signed_part`` (``TokenKeys.sign_message``).
    signature: str = ""

    def to_json(self) -> dict[str, Any]:
        return self._fields() | {"signature": self.signature}

    def signed_part(self) -> bytes:
        """What the signature covers: every field but itself, as canonical JSON
        (sorted keys, no spaces), so the bytes on the wire may differ."""
        return json.dumps(self._fields(), sort_keys=True, separators=(",", ":")).encode()

    def _fields(self) -> dict[str, Any]:
        return {
            "task_run_id": str(self.task_run_id),
            "task_id": str(self.task_id),
            "trigger_datetime": format_datetime(self.trigger_datetime),
            "started_datetime": format_datetime(self.started_datetime),
            "finished_datetime": format_datetime(self.finished_datetime),
            "result": self.result,
            "worker_id": str(self.worker_id),
            "attempt": self.attempt,
            "message": self.message,
            "exit_code": self.exit_code,
            "interrupted": self.interrupted,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        finished, exit_code = data.get("finished_datetime"), data.get("exit_code")
        return cls(
            task_run_id=uuid.UUID(data["task_run_id"]),
            task_id=uuid.UUID(data["task_id"]),
            trigger_datetime=parse_datetime(data["trigger_datetime"]),
            started_datetime=parse_datetime(data["started_datetime"]),
            finished_datetime=parse_datetime(finished) if finished else None,
            result=data["result"],
            worker_id=uuid.UUID(data["worker_id"]),
            attempt=int(data["attempt"]),
            message=data.get("message"),
            exit_code=None if exit_code is None else int(exit_code),
            interrupted=bool(data.get("interrupted", False)),
            signature=str(data.get("signature") or ""),
        )


def token_key_json(task_id: uuid.UUID, trigger_datetime: datetime) -> dict[str, str]:
    return {"task_id": str(task_id), "trigger_datetime": format_datetime(trigger_datetime) or ""}


def token_key_from_json(data: dict[str, str]) -> tuple[uuid.UUID, datetime]:
    return uuid.UUID(data["task_id"]), parse_datetime(data["trigger_datetime"])


Token = tuple[uuid.UUID, datetime]


def _token_keys(data: Any) -> tuple[Token, ...]:
    if not isinstance(data, list):
        raise ValueError(f"expected a list of tokens, got {data!r}")
    return tuple(token_key_from_json(item) for item in data)


# Token operations (API to schedulers) are externally tagged, as in the
# original, but carry lists of tokens:
#   {"Activate": [[{task_id, trigger_datetime}, ...], "<priority>"]}
#   {"Clear": [{task_id, trigger_datetime}, ...]}
#   {"UnpauseJob": "<job id>"}


@dataclass(frozen=True)
class ActivateTokens:
    """Run these tokens now, whatever their count."""

    tokens: tuple[Token, ...]
    priority: str

    def to_json(self) -> dict[str, Any]:
        keys = [token_key_json(task_id, at) for task_id, at in self.tokens]
        return {"Activate": [keys, self.priority]}


@dataclass(frozen=True)
class ClearTokens:
    """Forget anything pending for these tokens."""

    tokens: tuple[Token, ...]

    def to_json(self) -> dict[str, Any]:
        return {"Clear": [token_key_json(task_id, at) for task_id, at in self.tokens]}


@dataclass(frozen=True)
class UnpauseJob:
    """Run the job's tokens that reached their threshold while it was paused."""

    job_id: uuid.UUID

    def to_json(self) -> dict[str, Any]:
        return {"UnpauseJob": str(self.job_id)}


TokenOp = ActivateTokens | ClearTokens | UnpauseJob


def _single_tag(data: Any, what: str) -> tuple[str, Any]:
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError(f"expected a {what} object with one tag, got {data!r}")
    return next(iter(data.items()))


def parse_token_op(data: Any) -> TokenOp:
    """Read a token operation; raises (mostly ValueError) when it is malformed."""
    tag, value = _single_tag(data, "token operation")
    if tag == "Activate":
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError(f"Activate expects [tokens, priority], got {value!r}")
        tokens, priority = value
        if priority not in ALL_PRIORITIES:
            raise ValueError(f"unknown priority {priority!r}")
        return ActivateTokens(_token_keys(tokens), priority)
    if tag == "Clear":
        return ClearTokens(_token_keys(value))
    if tag == "UnpauseJob":
        return UnpauseJob(uuid.UUID(value))
    raise ValueError(f"unknown token operation {tag!r}")


@dataclass(frozen=True)
class ConfigUpdate:
    """API to workers: drop what is cached about this task definition or project."""

    kind: Literal["TaskDef", "Project"]
    id: uuid.UUID

    def to_json(self) -> dict[str, str]:
        return {self.kind: str(self.id)}


def parse_config_update(data: Any) -> ConfigUpdate:
    """Read ``{"TaskDef": id}`` or ``{"Project": id}``."""
    tag, value = _single_tag(data, "config update")
    if tag not in ("TaskDef", "Project"):
        raise ValueError(f"unknown config update {tag!r}")
    return ConfigUpdate(tag, uuid.UUID(value))


def parse_trigger_update(data: Any) -> list[uuid.UUID]:
    """Read a trigger update (API to schedulers): a JSON array of trigger ids."""
    if not isinstance(data, list):
        raise ValueError(f"expected a list of trigger ids, got {data!r}")
    return [uuid.UUID(item) for item in data]
