"""The task definition a worker runs from (and ``GET /api/tasks/:id`` shows)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from waterwheel.api.lookups import get_or_404
from waterwheel.db.models import Job, Project, Task


def task_definition(session: Session, task_id: uuid.UUID) -> dict[str, Any]:
    task = get_or_404(session, Task, task_id)
    job = session.get(Job, task.job_id)
    project = session.get(Project, job.project_id)
    return {
        "task_id": task.id,
        "task_name": task.name,
        "job_id": job.id,
        "job_name": job.name,
        "project_id": project.id,
        "project_name": project.name,
        "image": task.image,
        "args": task.args or [],
        "env": task.env,
        "command": task.command,
        "queue": task.queue,
        "trigger_rule": task.trigger_rule,
        "skip_exit_code": task.skip_exit_code,
        "paused": job.paused,
        "active": task.active,
        "timeout": {"secs": task.timeout_secs, "nanos": 0} if task.timeout_secs else None,
    }
