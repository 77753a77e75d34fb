"""Tokens: a job's tokens and their overview grid, clearing a trigger time,
and activating a task for one trigger time or a range."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from waterwheel.api.authz import authorize
from waterwheel.api.errors import bad_request, conflict
from waterwheel.api.lookups import get_or_404
from waterwheel.api.request import (
    body_datetime,
    body_priority,
    json_object,
    query_datetime,
    query_int,
    query_list,
)
from waterwheel.api.services import services
from waterwheel.db.models import Job, Task, Token
from waterwheel.scheduler.activation import activate, activate_matching, clear_time
from waterwheel.states import ALL_STATES, Priority
from waterwheel.timeutil import format_datetime

bp = Blueprint("tokens", __name__, url_prefix="/api")


def _job_tokens(session: Session, job_id: uuid.UUID) -> list[tuple[Token, str]]:
    """The job's tokens over its most recent trigger times, newest first."""
    limit = query_int("limit", 200, maximum=10_000)
    before = query_datetime("before")
    states = query_list("state", ALL_STATES, "token state")

    def filtered(query: Select) -> Select:
        query = query.join(Task, Task.id == Token.task_id).where(Task.job_id == job_id)
        if states is not None:
            query = query.where(Token.state.in_(states))
        if before is not None:
            query = query.where(Token.trigger_datetime < before)
        return query

    recent = list(
        session.scalars(
            filtered(select(Token.trigger_datetime).distinct())
            .order_by(Token.trigger_datetime.desc())
            .limit(limit)
        )
    )
    rows = session.execute(
        filtered(select(Token, Task.name))
        .where(Token.trigger_datetime.in_(recent))
        .order_by(Token.trigger_datetime.desc(), Task.name)
    ).all()
    return [(token, name) for token, name in rows]


def _token_json(token: Token, task_name: str) -> dict[str, Any]:
    return {
        "task_id": token.task_id,
        "task_name": task_name,
        "trigger_datetime": format_datetime(token.trigger_datetime),
        "state": token.state,
    }


@bp.get("/jobs/<id:job_id>/tokens")
def job_tokens(job_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "job", job_id=job_id)
    with services().db.read() as session:
        get_or_404(session, Job, job_id)
        return jsonify([_token_json(t, name) for t, name in _job_tokens(session, job_id)])


@bp.get("/jobs/<id:job_id>/tokens-overview")
def tokens_overview(job_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "job", job_id=job_id)
    with services().db.read() as session:
        get_or_404(session, Job, job_id)
        rows = _job_tokens(session, job_id)
    by_time: dict[datetime, dict[str, Any]] = {}
    for token, name in rows:
        by_time.setdefault(token.trigger_datetime, {})[name] = {
            "task_name": name,
            "task_id": token.task_id,
            "state": token.state,
        }
    return jsonify(
        {
            "tokens": [
                {"trigger_datetime": format_datetime(at), "task_states": states}
                for at, states in by_time.items()
            ],
            "tasks": sorted({name for _, name in rows}),
        }
    )


@bp.get("/jobs/<id:job_id>/tokens/<dt:trigger_datetime>")
def tokens_at(job_id: uuid.UUID, trigger_datetime: datetime) -> ResponseReturnValue:
    authorize("Get", "job", job_id=job_id)
    with services().db.read() as session:
        get_or_404(session, Job, job_id)
        rows = session.execute(
            select(Token, Task.name)
            .join(Task, Task.id == Token.task_id)
            .where(Task.job_id == job_id, Token.trigger_datetime == trigger_datetime)
            .order_by(Task.name)
        ).all()
    return jsonify([_token_json(t, name) for t, name in rows])


@bp.delete("/jobs/<id:job_id>/tokens/<dt:trigger_datetime>")
def clear_tokens(job_id: uuid.UUID, trigger_datetime: datetime) -> ResponseReturnValue:
    authorize("Delete", "job", job_id=job_id)
    with services().db.transaction() as session:
        get_or_404(session, Job, job_id)
        cleared = clear_time(session, job_id, trigger_datetime)
    services().publisher.tokens_cleared(cleared)
    return jsonify({"tokens_cleared": len(cleared)})


def _active_task(session: Session, task_id: uuid.UUID) -> Task:
    task = get_or_404(session, Task, task_id)
    if not task.active:
        raise conflict(f"task '{task.name}' is no longer part of its job")
    return task


@bp.put("/tasks/<id:task_id>/tokens/<dt:trigger_datetime>")
def activate_one(task_id: uuid.UUID, trigger_datetime: datetime) -> ResponseReturnValue:
    authorize("Update", "job", task_id=task_id)
    priority = body_priority(json_object(), Priority.HIGH)
    with services().db.transaction() as session:
        activate(session, _active_task(session, task_id), [trigger_datetime])
    services().publisher.tokens_activated([(task_id, trigger_datetime)], priority)
    return "", 201


@bp.post("/tasks/<id:task_id>/tokens")
def activate_range(task_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Update", "job", task_id=task_id)
    data = json_object()
    priority = body_priority(data, Priority.BACKFILL)
    first, last = body_datetime(data, "first"), body_datetime(data, "last")
    only_failed = data.get("only_failed")
    if only_failed is not None and not isinstance(only_failed, bool):
        raise bad_request("only_failed: expected true or false")
    if first is None and last is None and only_failed is None:
        raise bad_request("one or more of 'first','last' and 'only_failed' must be specified")
    with services().db.transaction() as session:
        task = _active_task(session, task_id)
        times = activate_matching(session, task, first, last, bool(only_failed))
    services().publisher.tokens_activated([(task_id, at) for at in times], priority)
    return jsonify({"cleared": len(times)})
