"""The task definition a worker runs from, as it crosses the internal API.

The API builds it from the database (``waterwheel.api.taskdef``) and the
worker reads it back (``waterwheel.worker``); this module is theirs in
common, so neither imports the other. The JSON is the OpenAPI document's
``TaskDef``, where every key is required.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaskDefinition:
    task_id: uuid.UUID
    task_name: str
    job_id: uuid.UUID
    job_name: str
    project_id: uuid.UUID
    project_name: str
    image: str | None  # None: a no-op task, which succeeds without running
    args: list[str]
    env: list[str] | None  # NAME=VALUE entries
    command: list[str] | None  # replaces the image's entrypoint; args follow it
    queue: str
    trigger_rule: str | None
    skip_exit_code: int | None
    fail_exit_code: int | None
    project_stash_write: list[str]
    paused: bool  # the job's
    active: bool
    timeout_secs: int | None  # None: the worker's default

    def to_json(self) -> dict[str, Any]:
        return {
            "task_id": str(self.task_id),
            "task_name": self.task_name,
            "job_id": str(self.job_id),
            "job_name": self.job_name,
            "project_id": str(self.project_id),
            "project_name": self.project_name,
            "image": self.image,
            "args": self.args,
            "env": self.env,
            "command": self.command,
            "queue": self.queue,
            "trigger_rule": self.trigger_rule,
            "skip_exit_code": self.skip_exit_code,
            "fail_exit_code": self.fail_exit_code,
            "project_stash_write": self.project_stash_write,
            "paused": self.paused,
            "active": self.active,
            # The original's Rust Duration.
            "timeout": {"secs": self.timeout_secs, "nanos": 0} if self.timeout_secs else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskDefinition:
        timeout = data["timeout"]
        return cls(
            task_id=uuid.UUID(data["task_id"]),
            task_name=data["task_name"],
            job_id=uuid.UUID(data["job_id"]),
            job_name=data["job_name"],
            project_id=uuid.UUID(data["project_id"]),
            project_name=data["project_name"],
            image=data["image"],
            args=data["args"],
            env=data["env"],
            command=data["command"],
            queue=data["queue"],
            trigger_rule=data["trigger_rule"],
            skip_exit_code=data["skip_exit_code"],
            fail_exit_code=data["fail_exit_code"],
            project_stash_write=data["project_stash_write"],
            paused=data["paused"],
            active=data["active"],
            timeout_secs=timeout["secs"] if timeout else None,
        )
