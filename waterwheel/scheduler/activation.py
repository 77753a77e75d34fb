"""Moves on tokens that users ask for through the API, each inside the
caller's transaction: activating a task for trigger times (as if every
upstream had finished), clearing a trigger time, starting a manual run.

The runs themselves are queued by a scheduler, once the API has published
the tokens it charged (``Publisher.tokens_activated``).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from waterwheel.db.models import JobStash, Task, TaskEdge, Token
from waterwheel.db.upsert import upsert
from waterwheel.scheduler.runs import TokenKey
from waterwheel.stashkeys import CONF_KEY
from waterwheel.states import State
from waterwheel.timeutil import utcnow


def activate(session: Session, task: Task, times: list[datetime]) -> None:
    """Charge the task's tokens at ``times`` to its threshold."""
    rows = [
        {
            "task_id": task.id,
            "trigger_datetime": at,
            "count": task.threshold,
            "state": State.WAITING,
        }
        for at in times
    ]
    upsert(session, Token, rows, keys=["task_id", "trigger_datetime"], update=["count", "state"])


def activate_matching(
    session: Session,
    task: Task,
    after: datetime | None,
    before: datetime | None,
    only_failed: bool,
) -> list[datetime]:
    """Activate the task at the trigger times it has tokens for, strictly
    between ``after`` and ``before`` (either may be open), only where it
    failed if so asked; returns those times, oldest first."""
    query = select(Token.trigger_datetime).where(Token.task_id == task.id)
    if after is not None:
        query = query.where(Token.trigger_datetime > after)
    if before is not None:
        query = query.where(Token.trigger_datetime < before)
    if only_failed:
        query = query.where(Token.state == State.FAILURE)
    times = list(session.scalars(query.order_by(Token.trigger_datetime)))
    activate(session, task, times)
    return times


def clear_time(session: Session, job_id: uuid.UUID, at: datetime) -> list[TokenKey]:
    """Empty every token of the job at ``at`` back to ``waiting``; returns them."""
    task_ids = list(
        session.scalars(
            select(Token.task_id)
            .join(Task, Task.id == Token.task_id)
            .where(Task.job_id == job_id, Token.trigger_datetime == at)
        )
    )
    session.execute(
        update(Token)
        .where(Token.task_id.in_(task_ids), Token.trigger_datetime == at)
        .values(count=0, state=State.WAITING)
    )
    return [(task_id, at) for task_id in task_ids]


def start_manual_run(
    session: Session, job_id: uuid.UUID, conf: dict[str, Any]
) -> tuple[datetime, list[TokenKey]] | None:
    """A run of the job now, as Airflow's manual trigger: its root tasks (no
    upstream task) are activated for a new trigger time, with ``conf`` kept in
    the job stash for its tasks to read. None, writing nothing, when the job
    has no root task to start."""
    fed = select(TaskEdge.child_task_id)
    roots = session.scalars(
        select(Task).where(Task.job_id == job_id, Task.active.is_(True), Task.id.not_in(fed))
    ).all()
    if not roots:
        return None
    at = utcnow().replace(microsecond=0)
    taken = select(Token.trigger_datetime).join(Task, Task.id == Token.task_id)
    while session.scalar(taken.where(Task.job_id == job_id, Token.trigger_datetime == at)):
        at += timedelta(seconds=1)  # one manual run per second and job
    row = {"job_id": job_id, "trigger_datetime": at, "name": CONF_KEY}
    upsert(
        session,
        JobStash,
        [row | {"data": json.dumps(conf).encode()}],
        keys=["job_id", "trigger_datetime", "name"],
        update=["data"],
    )
    for task in roots:
        activate(session, task, [at])
    return at, [(task.id, at) for task in roots]
