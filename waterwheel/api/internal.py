"""What workers call: task definitions and project config (with a config token
whose subject is the id they ask for), and claims of queued runs (a token for
the claiming worker)."""

from __future__ import annotations

import contextlib
import uuid

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Row, bindparam, select, update

from waterwheel.api import services
from waterwheel.api.errors import ApiError, bad_request
from waterwheel.api.lookups import get_or_404
from waterwheel.api.request import bearer_token, json_object
from waterwheel.api.taskdef import task_definition
from waterwheel.auth.tokens import InvalidToken
from waterwheel.broker.messages import MAX_CLAIM
from waterwheel.db.models import Job, Project, Task, TaskRun
from waterwheel.scheduler.runs import set_token_states
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


@bp.get("/task_runs/<id:task_run_id>")
def task_run(task_run_id: uuid.UUID) -> ResponseReturnValue:
    """A run's state and worker: how a worker tells an orphaned container (its
    run ended, or runs elsewhere) from a live one."""
    require_config_token(task_run_id)
    with services().db.read() as session:
        run = get_or_404(session, TaskRun, task_run_id)
        return jsonify({"task_run_id": run.id, "state": run.state, "worker_id": run.worker_id})


@bp.get("/projects/<id:project_id>/config")
def project_config(project_id: uuid.UUID) -> ResponseReturnValue:
    require_config_token(project_id)
    with services().db.read() as session:
        project = get_or_404(session, Project, project_id)
        return jsonify(project.config if project.config is not None else {})


# Built once (every run is claimed here; building costs more than running).
_FIND_RUNS = (
    select(
        TaskRun.id,
        TaskRun.state,
        TaskRun.task_id,
        TaskRun.trigger_datetime,
        TaskRun.queued_datetime,
        Task.active,
        Job.paused,
    )
    .join(Task, Task.id == TaskRun.task_id)
    .join(Job, Job.id == Task.job_id)
    .where(TaskRun.id.in_(bindparam("run_ids", expanding=True)))
    .order_by(TaskRun.id)  # one lock order for concurrent claims
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


def _uuid_list(body: dict, key: str, least: int) -> list[uuid.UUID]:
    ids = body.get(key, [])
    if not isinstance(ids, list) or not least <= len(ids) <= MAX_CLAIM:
        raise bad_request(f"{key}: expected a list of {least} to {MAX_CLAIM} UUIDs")
    try:
        return list(dict.fromkeys(uuid.UUID(str(i)) for i in ids))
    except ValueError as exc:
        raise bad_request(f"{key}: expected UUIDs ({exc})") from None


@bp.post("/task_runs/start")
def start_runs() -> ResponseReturnValue:
    """A worker claims queued runs before running them: exactly one claim of a
    run wins, so a redelivered or republished task request never runs the task
    twice. A run of a paused job (or of a task since removed) is cancelled
    instead. One call claims what the worker's slots asked for meanwhile, and
    brings the definitions of the tasks named in ``task_ids`` (those the worker
    has not cached), so a new task costs no second request."""
    body = json_object()
    try:
        worker_id = uuid.UUID(str(body["worker_id"]))
    except (KeyError, ValueError) as exc:
        raise bad_request(f"worker_id: expected a UUID ({exc})") from None
    run_ids = _uuid_list(body, "task_run_ids", 1)
    task_ids = _uuid_list(body, "task_ids", 0)
    require_config_token(worker_id)
    now = utcnow()
    refused: dict[str, str] = {str(run_id): "task run not found" for run_id in run_ids}
    claimed: list[str] = []
    changes: list[dict[str, object]] = []
    tokens: list[tuple[Row, str]] = []
    with services().db.transaction() as session:
        for found in session.execute(_FIND_RUNS, {"run_ids": run_ids}):
            key = str(found.id)
            if found.state != State.ACTIVE:
                refused[key] = f"task run is {found.state}, not queued"
                continue
            cancelled = "job paused" if found.paused else None if found.active else "task removed"
            state = State.CANCELLED if cancelled else State.RUNNING
            changes.append(
                {
                    "run_id": found.id,
                    "new_state": state,
                    "worker": worker_id,
                    "now": now,
                    "started": None if cancelled else now,
                    "finished": now if cancelled else None,
                    "why": cancelled,
                }
            )
            tokens.append((found, state))
            if cancelled:
                refused[key] = f"task run cancelled: {cancelled}"
            else:
                del refused[key]
                claimed.append(key)
        if changes:  # each statement once for all runs: one round trip each
            session.connection().execute(_UPDATE_RUN, changes)
            set_token_states(session, tokens)
        definitions = {}
        for task_id in task_ids:
            with contextlib.suppress(ApiError):  # a task gone has no definition
                definitions[str(task_id)] = task_definition(session, task_id)
    return jsonify({"claimed": claimed, "refused": refused, "definitions": definitions})
