"""Task runs: every attempt of a job's tasks, or of one task, at a trigger time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from waterwheel.api.authz import authorize
from waterwheel.api.lookups import get_or_404
from waterwheel.api.request import query_int
from waterwheel.api.services import services
from waterwheel.db.models import Job, Task, TaskRun
from waterwheel.timeutil import format_datetime

bp = Blueprint("runs", __name__, url_prefix="/api")


def run_json(run: TaskRun) -> dict[str, Any]:
    return {
        "task_run_id": run.id,
        "attempt": run.attempt,
        "queued_datetime": format_datetime(run.queued_datetime),
        "started_datetime": format_datetime(run.started_datetime),
        "finish_datetime": format_datetime(run.finish_datetime),
        "state": run.state,
        "priority": run.priority,
        "worker_id": run.worker_id,
        "message": run.message,  # why it failed or errored (beyond the original)
    }


@bp.get("/jobs/<id:job_id>/runs/<dt:trigger_datetime>")
def job_runs(job_id: uuid.UUID, trigger_datetime: datetime) -> ResponseReturnValue:
    authorize("List", "job", job_id=job_id)
    with services().db.read() as session:
        get_or_404(session, Job, job_id)
        query = (
            select(TaskRun, Task.name)
            .join(Task, Task.id == TaskRun.task_id)
            .where(Task.job_id == job_id, TaskRun.trigger_datetime == trigger_datetime)
            .order_by(Task.name, TaskRun.queued_datetime)
        )
        if "limit" in request.args:
            query = query.limit(query_int("limit", 100))
        rows = session.execute(query).all()
    return jsonify(
        [
            {
                "task_id": run.task_id,
                "name": name,
                "trigger_datetime": format_datetime(run.trigger_datetime),
                **run_json(run),
            }
            for run, name in rows
        ]
    )


@bp.get("/tasks/<id:task_id>/runs/<dt:trigger_datetime>")
def task_runs(task_id: uuid.UUID, trigger_datetime: datetime) -> ResponseReturnValue:
    authorize("Get", "job", task_id=task_id)
    with services().db.read() as session:
        get_or_404(session, Task, task_id)
        runs = session.scalars(
            select(TaskRun)
            .where(TaskRun.task_id == task_id, TaskRun.trigger_datetime == trigger_datetime)
            .order_by(TaskRun.queued_datetime)
        ).all()
    return jsonify([run_json(run) for run in runs])
