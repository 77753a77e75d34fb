"""The stash: values kept for tasks at global, project and job (per trigger
time) scope. People write global and project values through ``/api``; running
tasks read them, and read and write their job's values, through ``/int-api``
with the stash token their worker gave them, for as long as their run runs. A
task writes project values only under the key prefixes its job document grants
it (``project_stash_write``).
Values are raw bytes both ways.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from waterwheel.api.authz import authorize
from waterwheel.api.errors import ApiError, bad_request, not_found
from waterwheel.api.lookups import get_or_404
from waterwheel.api.request import bearer_token
from waterwheel.api.services import services
from waterwheel.auth.tokens import InvalidToken, StashGrant
from waterwheel.db.models import (
    GlobalStash,
    Job,
    JobStash,
    Project,
    ProjectStash,
    Task,
    TaskRun,
)
from waterwheel.db.upsert import upsert
from waterwheel.states import State

bp = Blueprint("stash", __name__)

MAX_KEY = 255


def _key(key: str) -> str:
    if len(key) > MAX_KEY:
        raise bad_request(f"stash key longer than {MAX_KEY} characters")
    return key


def _grant() -> StashGrant:
    """The stash token of the calling task; 401 without a valid one, and once
    the task run it was issued for has ended (see ``_run_is_running``)."""
    try:
        grant = services().keys.verify_stash(bearer_token("stash token (WATERWHEEL_JWT)"))
    except InvalidToken as exc:
        raise ApiError(401, f"invalid stash token: {exc}") from None
    with services().db.read() as session:
        if not _run_is_running(session, grant):
            raise ApiError(
                401, "invalid stash token: the task run it was issued for is not running"
            )
    return grant


def _run_is_running(session: Session, grant: StashGrant) -> bool:
    """A stash token is only good while a run of its task at its trigger time
    runs: it dies with the run (success, failure, timeout, cancel, a lost
    worker), however long its expiry, so a token leaked from a task's
    environment or log is of no use once the task is done. A retry of the
    same task and trigger time, which has the very same rights, runs under a
    token of its own."""
    found = session.scalar(
        select(TaskRun.id)
        .where(
            TaskRun.task_id == grant.task_id,
            TaskRun.trigger_datetime == grant.trigger_datetime,
            TaskRun.state == State.RUNNING,
        )
        .limit(1)
    )
    return found is not None


def _forbidden(what: str) -> ApiError:
    return ApiError(403, f"the stash token does not grant access to {what}")


def _value(data: bytes | None) -> Response:
    if data is None:
        raise not_found("stash key")
    return Response(data, mimetype="application/octet-stream")


def _put(
    model: type, row: dict, keys: list[str], check: Callable[[Session], object] | None = None
) -> ResponseReturnValue:
    """Upsert the body as the value. ``check`` looks at what the value hangs off
    (and the writer's right to it) in the same transaction, so a concurrent
    delete is a 404, not a 500, and a revoked right is never used."""
    with services().db.transaction() as session:
        if check is not None:
            check(session)
        upsert(session, model, [row | {"data": request.get_data()}], keys=keys, update=["data"])
    return "", 201


# Global scope.


@bp.get("/api/stash")
def list_global() -> ResponseReturnValue:
    authorize("List", "stash")
    with services().db.read() as session:
        return jsonify(list(session.scalars(select(GlobalStash.name).order_by(GlobalStash.name))))


@bp.put("/api/stash/<key>")
def put_global(key: str) -> ResponseReturnValue:
    authorize("Update", "stash")
    return _put(GlobalStash, {"name": _key(key)}, ["name"])


@bp.delete("/api/stash/<key>")
def delete_global(key: str) -> ResponseReturnValue:
    authorize("Delete", "stash")
    with services().db.transaction() as session:
        session.execute(delete(GlobalStash).where(GlobalStash.name == key))
    return "", 204


@bp.get("/int-api/stash/<key>")
def read_global(key: str) -> ResponseReturnValue:
    _grant()  # any task may read global values
    services().metrics.stash_get("global")
    with services().db.read() as session:
        return _value(session.scalar(select(GlobalStash.data).where(GlobalStash.name == key)))


# Project scope.


@bp.get("/api/projects/<id:project_id>/stash")
def list_project(project_id: uuid.UUID) -> ResponseReturnValue:
    authorize("List", "stash", project_id=project_id)
    with services().db.read() as session:
        get_or_404(session, Project, project_id)
        names = session.scalars(
            select(ProjectStash.name)
            .where(ProjectStash.project_id == project_id)
            .order_by(ProjectStash.name)
        )
        return jsonify(list(names))


@bp.put("/api/projects/<id:project_id>/stash/<key>")
def put_project(project_id: uuid.UUID, key: str) -> ResponseReturnValue:
    authorize("Update", "stash", project_id=project_id)
    row = {"project_id": project_id, "name": _key(key)}
    return _put(
        ProjectStash,
        row,
        ["project_id", "name"],
        check=lambda session: get_or_404(session, Project, project_id),
    )


@bp.delete("/api/projects/<id:project_id>/stash/<key>")
def delete_project(project_id: uuid.UUID, key: str) -> ResponseReturnValue:
    authorize("Delete", "stash", project_id=project_id)
    with services().db.transaction() as session:
        get_or_404(session, Project, project_id)
        session.execute(
            delete(ProjectStash).where(
                ProjectStash.project_id == project_id, ProjectStash.name == key
            )
        )
    return "", 204


@bp.get("/int-api/projects/<id:project_id>/stash/<key>")
def read_project(project_id: uuid.UUID, key: str) -> ResponseReturnValue:
    if _grant().project_id != project_id:
        raise _forbidden("this project")
    services().metrics.stash_get("project", project_id)
    with services().db.read() as session:
        return _value(
            session.scalar(
                select(ProjectStash.data).where(
                    ProjectStash.project_id == project_id, ProjectStash.name == key
                )
            )
        )


def _may_write_project(
    session: Session, grant: StashGrant, project_id: uuid.UUID, key: str
) -> None:
    """403 unless the token's task is still an active task of this project and
    its ``project_stash_write`` has a prefix ``key`` starts with.

    The right is read from the task as it is now, not carried in the token:
    tokens stay read-only by default, a redeployed document revokes the right
    of runs already going, and secrets kept beside (``airflow.conn.``) stay out
    of reach of a task granted ``airflow.var.``.
    """
    get_or_404(session, Project, project_id)
    task = session.get(Task, grant.task_id)
    if task is None or not task.active or session.get(Job, task.job_id).project_id != project_id:
        raise _forbidden("this project")
    prefixes = task.project_stash_write or []
    if not prefixes:
        raise ApiError(
            403,
            f"task {task.name!r} may only read the project stash: its job document"
            " gives it no project_stash_write",
        )
    if not any(key.startswith(prefix) for prefix in prefixes):
        raise ApiError(
            403,
            f"task {task.name!r} may not write project stash key {key!r}: its"
            f" project_stash_write allows keys starting with {', '.join(map(repr, prefixes))}",
        )


# POST as well as PUT: tools in minimal images (busybox wget) can only POST.
@bp.route("/int-api/projects/<id:project_id>/stash/<key>", methods=["PUT", "POST"])
def write_project(project_id: uuid.UUID, key: str) -> ResponseReturnValue:
    grant = _grant()
    if grant.project_id != project_id:
        raise _forbidden("this project")
    row = {"project_id": project_id, "name": _key(key)}
    return _put(
        ProjectStash,
        row,
        ["project_id", "name"],
        check=lambda session: _may_write_project(session, grant, project_id, key),
    )


# Job scope: one set of values per trigger time.


def _job_grant(job_id: uuid.UUID, trigger_datetime: datetime) -> None:
    grant = _grant()
    if grant.job_id != job_id or grant.trigger_datetime != trigger_datetime:
        raise _forbidden("this job and trigger time")


def _job_key(job_id: uuid.UUID, trigger_datetime: datetime, key: str):
    return (
        JobStash.job_id == job_id,
        JobStash.trigger_datetime == trigger_datetime,
        JobStash.name == key,
    )


@bp.get("/int-api/jobs/<id:job_id>/stash/<dt:trigger_datetime>/")
def list_job(job_id: uuid.UUID, trigger_datetime: datetime) -> ResponseReturnValue:
    authorize("List", "stash", job_id=job_id)
    with services().db.read() as session:
        get_or_404(session, Job, job_id)
        names = session.scalars(
            select(JobStash.name)
            .where(JobStash.job_id == job_id, JobStash.trigger_datetime == trigger_datetime)
            .order_by(JobStash.name)
        )
        return jsonify(list(names))


# POST as well as PUT: tools in minimal images (busybox wget) can only POST.
@bp.route("/int-api/jobs/<id:job_id>/stash/<dt:trigger_datetime>/<key>", methods=["PUT", "POST"])
def put_job(job_id: uuid.UUID, trigger_datetime: datetime, key: str) -> ResponseReturnValue:
    _job_grant(job_id, trigger_datetime)
    row = {"job_id": job_id, "trigger_datetime": trigger_datetime, "name": _key(key)}
    return _put(
        JobStash,
        row,
        ["job_id", "trigger_datetime", "name"],
        check=lambda session: get_or_404(session, Job, job_id),
    )


@bp.get("/int-api/jobs/<id:job_id>/stash/<dt:trigger_datetime>/<key>")
def read_job(job_id: uuid.UUID, trigger_datetime: datetime, key: str) -> ResponseReturnValue:
    _job_grant(job_id, trigger_datetime)
    services().metrics.stash_get("job", job_id)
    with services().db.read() as session:
        return _value(
            session.scalar(select(JobStash.data).where(*_job_key(job_id, trigger_datetime, key)))
        )


@bp.delete("/int-api/jobs/<id:job_id>/stash/<dt:trigger_datetime>/<key>")
def delete_job(job_id: uuid.UUID, trigger_datetime: datetime, key: str) -> ResponseReturnValue:
    authorize("Delete", "stash", job_id=job_id)
    with services().db.transaction() as session:
        get_or_404(session, Job, job_id)
        session.execute(delete(JobStash).where(*_job_key(job_id, trigger_datetime, key)))
    return "", 204
