"""What workers read: task definitions and project config, with a config token
whose subject is the id they ask for."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select, update

from waterwheel.api import services
from waterwheel.api.errors import ApiError, bad_request, not_found
from waterwheel.api.lookups import get_or_404
from waterwheel.api.request import bearer_token, json_object
from waterwheel.api.taskdef import task_definition
from waterwheel.auth.tokens import InvalidToken
from waterwheel.db.models import Job, Project, Task, TaskRun
from waterwheel.scheduler.runs import set_token_state
from waterwheel.states import State
from waterwheel.timeutil import utcnow

bp = Blueprint("internal", __name__, url_prefix="/int-api")


def require_config_token(subject: uuid.UUID) -> None:
    try:
        granted = services().keys.verify_config(bearer_token("config token"))
    except InvalidToken as exc:
        raise ApiError(401, f"invalid config token: {exc}") from None
    if granted != str(subject):
        raise ApiError(403, "the config token was issued for another id")


@bp.get("/tasks/<id:task_id>")
def task(task_id: uuid.UUID) -> ResponseReturnValue:
    require_config_token(task_id)
    with services().db.read() as session:
        return jsonify(task_definition(session, task_id))


@bp.get("/projects/<id:project_id>/config")
def project_config(project_id: uuid.UUID) -> ResponseReturnValue:
    require_config_token(project_id)
    with services().db.read() as session:
        project = get_or_404(session, Project, project_id)
        return jsonify(project.config if project.config is not None else {})


@bp.post("/task_runs/<id:task_run_id>/start")
def start_run(task_run_id: uuid.UUID) -> ResponseReturnValue:
    """A worker claims a queued run before running it: exactly one claim wins,
    so a redelivered or republished task request never runs the task twice.
    A run of a paused job (or a task since removed) is cancelled instead."""
    require_config_token(task_run_id)
    try:
        worker_id = uuid.UUID(str(json_object()["worker_id"]))
    except (KeyError, ValueError) as exc:
        raise bad_request(f"worker_id: expected a UUID ({exc})") from None
    now = utcnow()
    # Columns and UPDATE statements, not ORM objects: every run passes here.
    with services().db.transaction() as session:
        found = session.execute(
            select(
                TaskRun.state,
                TaskRun.task_id,
                TaskRun.trigger_datetime,
                TaskRun.queued_datetime,
                Task.active,
                Job.paused,
            )
            .join(Task, Task.id == TaskRun.task_id)
            .join(Job, Job.id == Task.job_id)
            .where(TaskRun.id == task_run_id)
            .with_for_update(of=TaskRun)
        ).first()
        if found is None:
            raise not_found("task run")
        if found.state != State.ACTIVE:
            raise ApiError(409, f"task run is {found.state}, not queued")
        cancelled = "job paused" if found.paused else None if found.active else "task removed"
        changes: dict[str, object] = {"worker_id": worker_id, "updated_datetime": now}
        # The cancellation commits with the transaction; the 409 is raised after.
        if cancelled:
            changes |= {"state": State.CANCELLED, "finish_datetime": now, "message": cancelled}
        else:
            changes |= {"state": State.RUNNING, "started_datetime": now}
        session.execute(
            update(TaskRun)
            .where(TaskRun.id == task_run_id)
            .values(changes)
            .execution_options(synchronize_session=False)
        )
        set_token_state(session, found, changes["state"])
    if cancelled:
        raise ApiError(409, f"task run cancelled: {cancelled}")
    return jsonify({"state": State.RUNNING})
