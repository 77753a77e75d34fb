"""The task definition a worker runs from (and ``GET /api/tasks/:id`` shows),
read from the database."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from waterwheel.api.errors import not_found
from waterwheel.db.models import Job, Project, Task
from waterwheel.task_definition import TaskDefinition


def task_definition(session: Session, task_id: uuid.UUID) -> dict[str, Any]:
    """The task's definition as JSON, for a worker or a user; 404 when there is none."""
    found = session.execute(
        select(Task, Job, Project)
        .join(Job, Job.id == Task.job_id)
        .join(Project, Project.id == Job.project_id)
        .where(Task.id == task_id)
    ).first()
    if found is None:
        raise not_found("task")
    task, job, project = found
    return TaskDefinition(
        task_id=task.id,
        task_name=task.name,
        job_id=job.id,
        job_name=job.name,
        project_id=project.id,
        project_name=project.name,
        image=task.image,
        args=task.args or [],
        env=task.env,
        command=task.command,
        queue=task.queue,
        trigger_rule=task.trigger_rule,
        skip_exit_code=task.skip_exit_code,
        fail_exit_code=task.fail_exit_code,
        project_stash_write=task.project_stash_write or [],
        paused=job.paused,
        active=task.active,
        timeout_secs=task.timeout_secs,
    ).to_json()
