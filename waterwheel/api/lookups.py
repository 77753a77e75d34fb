"""Fetch-or-404 and the run counters several views share."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from waterwheel.api.errors import not_found
from waterwheel.db.models import Base, Job, Task, TaskRun
from waterwheel.states import State
from waterwheel.timeutil import utcnow

M = TypeVar("M", bound=Base)


def get_or_404(session: Session, model: type[M], ident: object) -> M:
    row = session.get(model, ident)
    if row is None:
        raise not_found(model.__tablename__.replace("_", " "))
    return row


def recent_run() -> ColumnElement[bool]:
    """The original's "last hour" rule: unfinished, or finished within the hour."""
    since = utcnow() - timedelta(hours=1)
    return or_(TaskRun.finish_datetime.is_(None), TaskRun.finish_datetime >= since)


def run_counts(session: Session, where: ColumnElement[bool], by_job: bool = False):
    """Recent runs per state, for the jobs selected by ``where`` (on Job)."""
    columns = [TaskRun.state, func.count()]
    if by_job:
        columns.insert(0, Job.id)
    query: Select = (
        select(*columns)
        .join(Task, Task.id == TaskRun.task_id)
        .join(Job, Job.id == Task.job_id)
        .where(and_(where, recent_run()))
        .group_by(*columns[:-1])
    )
    return session.execute(query).all()


def counts_by_state(session: Session, where: ColumnElement[bool]) -> dict[str, int]:
    return {state: n for state, n in run_counts(session, where)}


def counts_by_job(session: Session, where: ColumnElement[bool]) -> dict[uuid.UUID, dict]:
    result: dict[uuid.UUID, dict[str, int]] = {}
    for job_id, state, n in run_counts(session, where, by_job=True):
        result.setdefault(job_id, {})[state] = n
    return result


def recent_counters(counts: dict[str, int], running_key: str) -> dict[str, int]:
    """The original's counters of a project or job (the key for running runs
    differs between the two: ``running_tasks`` and ``active_tasks``)."""
    return {
        running_key: counts.get(State.RUNNING, 0),
        "waiting_tasks": counts.get(State.WAITING, 0) + counts.get(State.ACTIVE, 0),
        "failed_tasks_last_hour": counts.get(State.FAILURE, 0),
        "succeeded_tasks_last_hour": counts.get(State.SUCCESS, 0),
        "error_tasks_last_hour": counts.get(State.ERROR, 0),
    }
