"""What workers read: task definitions and project config, with a config token
whose subject is the id they ask for."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import bindparam, select, update

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


# Built once (every run is claimed here; building costs more than running).
_FIND_RUN = (
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
    .where(TaskRun.id == bindparam("run_id"))
    .with_for_update(of=TaskRun)
)
_UPDATE_RUN = (
    update(TaskRun)
    .where(TaskRun.id == bindparam("run_id"))
    .values(
        state=bindparam("new_state"),
        worker_id=bindparam("worker"),
        updated_datetime=bindparam("now"),
        started_datetime=bindparam("started"),
        finish_datetime=bindparam("finished"),
        message=bindparam("why"),
    )
    .execution_options(synchronize_session=False)
)


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
    with services().db.transaction() as session:
        found = session.execute(_FIND_RUN, {"run_id": task_run_id}).first()
        if found is None:
            raise not_found("task run")
        if found.state != State.ACTIVE:
            raise ApiError(409, f"task run is {found.state}, not queued")
        cancelled = "job paused" if found.paused else None if found.active else "task removed"
        state = State.CANCELLED if cancelled else State.RUNNING
        # The cancellation commits with the transaction; the 409 is raised after.
        session.execute(
            _UPDATE_RUN,
            {
                "run_id": task_run_id,
                "new_state": state,
                "worker": worker_id,
                "now": now,
                "started": None if cancelled else now,
                "finished": now if cancelled else None,
                "why": cancelled,
            },
        )
        set_token_state(session, found, state)
    if cancelled:
        raise ApiError(409, f"task run cancelled: {cancelled}")
    return jsonify({"state": State.RUNNING})
