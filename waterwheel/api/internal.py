"""What workers call: task definitions and project config (with a config token
whose subject is the id they ask for), and claims of queued runs (a token for
the claiming worker)."""

from __future__ import annotations

import contextlib
import uuid

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from waterwheel.api.authz import require_config_token
from waterwheel.api.errors import ApiError, bad_request
from waterwheel.api.lookups import get_or_404
from waterwheel.api.request import json_object
from waterwheel.api.services import services
from waterwheel.api.taskdef import task_definition
from waterwheel.broker.messages import MAX_CLAIM
from waterwheel.db.models import Project, TaskRun
from waterwheel.scheduler.claims import claim_runs
from waterwheel.timeutil import utcnow

bp = Blueprint("internal", __name__, url_prefix="/int-api")


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
    """A worker claims queued runs before running them (see ``claim_runs``).
    One call claims what the worker's slots asked for meanwhile, and brings
    the definitions of the tasks named in ``task_ids`` (those the worker has
    not cached), so a new task costs no second request."""
    body = json_object()
    try:
        worker_id = uuid.UUID(str(body["worker_id"]))
    except (KeyError, ValueError) as exc:
        raise bad_request(f"worker_id: expected a UUID ({exc})") from None
    run_ids = _uuid_list(body, "task_run_ids", 1)
    task_ids = _uuid_list(body, "task_ids", 0)
    require_config_token(worker_id)
    with services().db.transaction() as session:
        claim = claim_runs(session, worker_id, run_ids, utcnow())
        definitions = {}
        for task_id in task_ids:
            with contextlib.suppress(ApiError):  # a task gone has no definition
                definitions[str(task_id)] = task_definition(session, task_id)
    return jsonify(
        {
            "claimed": [str(run_id) for run_id in claim.claimed],
            "refused": {str(run_id): why for run_id, why in claim.refused.items()},
            "definitions": definitions,
        }
    )
