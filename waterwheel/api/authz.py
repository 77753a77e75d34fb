"""Who may call a route: the OPA check each public route makes, with the ids
the policy needs, and the config token of the internal routes workers call.

The object's ids are looked up before the decision and the 404 comes after
it, so a denied caller learns nothing about what exists.
"""

from __future__ import annotations

import uuid

from flask import request
from sqlalchemy import select

from waterwheel.api.errors import ApiError
from waterwheel.api.request import bearer_token
from waterwheel.api.services import services
from waterwheel.auth.opa import Denied, Request, Unavailable
from waterwheel.auth.tokens import InvalidToken
from waterwheel.db.models import Job, Task, TaskRun, Trigger


def authorize(
    action: str,
    kind: str,
    *,
    project_id: uuid.UUID | None = None,
    job_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
    trigger_id: uuid.UUID | None = None,
    task_run_id: uuid.UUID | None = None,
) -> None:
    """Ask the policy; 403 when it says no, 503 when it cannot be asked."""
    authorizer = services().authorizer
    if authorizer.disabled:
        return
    if task_id or trigger_id or task_run_id or (job_id and project_id is None):
        project_id, job_id = _owners(job_id, task_id, trigger_id, task_run_id)
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        authorizer.check(Request(action, kind, project_id, job_id, request.method, headers))
    except Denied as exc:
        raise ApiError(403, str(exc)) from None
    except Unavailable as exc:
        raise ApiError(503, str(exc)) from None


def _owners(
    job_id: uuid.UUID | None,
    task_id: uuid.UUID | None,
    trigger_id: uuid.UUID | None,
    task_run_id: uuid.UUID | None,
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The project and job a job, task, trigger or task run belongs to (None when unknown)."""
    with services().db.read() as session:
        if task_run_id is not None:
            task_id = session.scalar(select(TaskRun.task_id).where(TaskRun.id == task_run_id))
        if task_id is not None:
            job_id = session.scalar(select(Task.job_id).where(Task.id == task_id))
        elif trigger_id is not None:
            job_id = session.scalar(select(Trigger.job_id).where(Trigger.id == trigger_id))
        job = session.get(Job, job_id) if job_id is not None else None
        return (job.project_id, job.id) if job else (None, job_id)


def require_config_token(subject: uuid.UUID) -> None:
    """A worker's (or a task run's) config token, issued for ``subject``."""
    try:
        granted = services().keys.verify_config(bearer_token("config token"))
    except InvalidToken as exc:
        raise ApiError(401, f"invalid config token: {exc}") from None
    if granted != str(subject):
        raise ApiError(403, "the config token was issued for another id")
