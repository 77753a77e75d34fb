"""A task's definition, and a trigger with its recent trigger times."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import case, func, select

from waterwheel.api.authz import authorize
from waterwheel.api.lookups import get_or_404
from waterwheel.api.request import query_datetime, query_int
from waterwheel.api.services import services
from waterwheel.api.taskdef import task_definition
from waterwheel.db.models import Job, Project, Task, Token, Trigger, TriggerEdge
from waterwheel.states import State
from waterwheel.timeutil import format_datetime

bp = Blueprint("tasks", __name__, url_prefix="/api")


@bp.get("/tasks/<id:task_id>")
def get_task(task_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "task", task_id=task_id)
    with services().db.read() as session:
        return jsonify(task_definition(session, task_id))


@bp.get("/triggers/<id:trigger_id>")
def get_trigger(trigger_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "trigger", trigger_id=trigger_id)
    limit = query_int("limit", 100, maximum=1000)
    before = query_datetime("before")
    with services().db.read() as session:
        trigger = get_or_404(session, Trigger, trigger_id)
        job = session.get(Job, trigger.job_id)
        project = session.get(Project, job.project_id)
        fed = select(TriggerEdge.task_id).where(TriggerEdge.trigger_id == trigger_id)
        times = select(Token.trigger_datetime).where(Token.task_id.in_(fed)).distinct()
        if before is not None:
            times = times.where(Token.trigger_datetime < before)
        recent = list(session.scalars(times.order_by(Token.trigger_datetime.desc()).limit(limit)))

        def count(*states: str):
            return func.sum(case((Token.state.in_(states), 1), else_=0))

        rows = session.execute(
            select(
                Token.trigger_datetime,
                count(State.SUCCESS),
                count(State.RUNNING),
                count(State.FAILURE),
                count(State.WAITING, State.ACTIVE),
            )
            .join(Task, Task.id == Token.task_id)
            .where(Task.job_id == job.id, Token.trigger_datetime.in_(recent))
            .group_by(Token.trigger_datetime)
            .order_by(Token.trigger_datetime.desc())
        ).all()
    return jsonify(
        {
            "trigger_id": trigger.id,
            "trigger_name": trigger.name,
            "job_id": job.id,
            "job_name": job.name,
            "project_id": project.id,
            "project_name": project.name,
            "times": [
                {
                    "trigger_datetime": format_datetime(at),
                    "success": int(success),
                    "running": int(running),
                    "failure": int(failure),
                    "waiting": int(waiting),
                }
                for at, success, running, failure, waiting in rows
            ],
        }
    )
