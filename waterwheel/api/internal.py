"""What workers read: task definitions and project config, with a config token
whose subject is the id they ask for."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from waterwheel.api import services
from waterwheel.api.errors import ApiError
from waterwheel.api.lookups import get_or_404
from waterwheel.api.request import bearer_token
from waterwheel.api.taskdef import task_definition
from waterwheel.auth.tokens import InvalidToken
from waterwheel.db.models import Project

bp = Blueprint("internal", __name__, url_prefix="/int-api")


def _require_config_token(subject: uuid.UUID) -> None:
    try:
        granted = services().keys.verify_config(bearer_token("config token"))
    except InvalidToken as exc:
        raise ApiError(401, f"invalid config token: {exc}") from None
    if granted != str(subject):
        raise ApiError(403, "the config token was issued for another id")


@bp.get("/tasks/<id:task_id>")
def task(task_id: uuid.UUID) -> ResponseReturnValue:
    _require_config_token(task_id)
    with services().db.transaction() as session:
        return jsonify(task_definition(session, task_id))


@bp.get("/projects/<id:project_id>/config")
def project_config(project_id: uuid.UUID) -> ResponseReturnValue:
    _require_config_token(project_id)
    with services().db.transaction() as session:
        project = get_or_404(session, Project, project_id)
        return jsonify(project.config if project.config is not None else {})
