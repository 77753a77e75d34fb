"""Tokens and task runs: the Petri net's moves, each inside the caller's
transaction.

``add_tokens`` puts tokens on places; ``run_ready`` fires every place that
holds its threshold with an atomic decrement (two schedulers racing on one
token cannot both win), creating one task run per win. Every task run row is
inserted here: queued runs, and runs a trigger rule ended without running.
Queued runs are published after the transaction commits (``Execution``), and
``TaskRun.published`` records that they were, so a crash in between is
repaired by publishing again.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session

from waterwheel.broker.messages import TaskRequest
from waterwheel.db.models import Job, Task, TaskRun, Token
from waterwheel.db.upsert import upsert
from waterwheel.states import State
from waterwheel.timeutil import utcnow

TokenKey = tuple[uuid.UUID, datetime]

# Keeps IN lists and parameter counts inside every backend's limits.
CHUNK = 500
# A run lost with its worker is re-run this many times beyond its retry
# policy: losing a worker is not the task's fault, but a task that kills its
# worker every time must stop somewhere.
LOST_RUN_REQUEUES = 3


@dataclass(frozen=True)
class Execution:
    """A task run committed as queued, to be published to its worker queue."""

    request: TaskRequest
    queue: str


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def add_tokens(session: Session, keys: Iterable[TokenKey]) -> list[TokenKey]:
    """Add one token per key (a key given twice adds two); returns the distinct keys."""
    counts = Counter(keys)
    if not counts:
        return []
    rows = [
        {"task_id": task_id, "trigger_datetime": at, "count": n, "state": State.WAITING}
        for (task_id, at), n in sorted(counts.items())  # one lock order for all schedulers
    ]
    for chunk in _chunks(rows):
        upsert(
            session,
            Token,
            chunk,
            keys=["task_id", "trigger_datetime"],
            update=lambda offered: {"count": Token.count + offered["count"]},
        )
    return list(counts)


def new_run(
    session: Session,
    task: Task,
    trigger_datetime: datetime,
    priority: str,
    attempt: int,
) -> Execution:
    """Queue one attempt of a task: the run row now, the message after commit."""
    (execution,) = _insert_runs(session, [(task, trigger_datetime)], priority, attempt)
    session.execute(
        update(Token)
        .where(Token.task_id == task.id, Token.trigger_datetime == trigger_datetime)
        .values(state=State.ACTIVE)
        .execution_options(synchronize_session=False)
    )
    return execution


def _insert_runs(
    session: Session, places: list[tuple[Task, datetime]], priority: str, attempt: int
) -> list[Execution]:
    """Queued run rows for ``places``, inserted in bulk (a catch-up makes thousands)."""
    now = utcnow()
    requests = [
        (
            TaskRequest(
                task_run_id=uuid.uuid4(),
                task_id=task.id,
                trigger_datetime=at,
                priority=priority,
                attempt=attempt,
            ),
            task.queue,
        )
        for task, at in places
    ]
    rows = [
        {
            "id": r.task_run_id,
            "task_id": r.task_id,
            "trigger_datetime": r.trigger_datetime,
            "queued_datetime": now,
            "state": State.ACTIVE,
            "priority": priority,
            "attempt": attempt,
            "published": False,
        }
        for r, _queue in requests
    ]
    for chunk in _chunks(rows):
        session.execute(insert(TaskRun), chunk)
    return [Execution(request, queue) for request, queue in requests]


def ended_run(
    session: Session, task: Task, at: datetime, state: str, priority: str, why: str
) -> None:
    """Record a run that a trigger rule ended without running it (skipped,
    upstream_failed): nothing is sent to a worker."""
    now = utcnow()
    session.execute(
        insert(TaskRun).values(
            id=uuid.uuid4(),
            task_id=task.id,
            trigger_datetime=at,
            queued_datetime=now,
            started_datetime=now,
            finish_datetime=now,
            updated_datetime=now,
            state=state,
            priority=priority,
            attempt=1,
            published=True,
            message=why,
        )
    )


def _execution(run: TaskRun, queue: str) -> Execution:
    request = TaskRequest(
        task_run_id=run.id,
        task_id=run.task_id,
        trigger_datetime=run.trigger_datetime,
        priority=run.priority,
        attempt=run.attempt,
    )
    return Execution(request, queue)


def run_ready(session: Session, keys: Iterable[TokenKey], priority: str) -> list[Execution]:
    """Run every given token that holds its task's threshold, in a job not paused.

    Each firing takes ``threshold`` tokens in one conditional UPDATE, so surplus
    tokens (an OR join fed twice) fire again, and a concurrent scheduler that
    loses simply finds the count too low.
    """
    pending = sorted(set(keys))
    executions: list[Execution] = []
    tasks: dict[uuid.UUID, Task] = {}
    while pending:
        won: list[TokenKey] = []
        for chunk in _chunks(pending):
            won.extend(_take_thresholds(session, chunk))
        if not won:
            break
        missing = {task_id for task_id, _ in won} - tasks.keys()
        if missing:
            tasks.update(
                (t.id, t) for t in session.scalars(select(Task).where(Task.id.in_(missing)))
            )
        # Taking the threshold already marked the tokens active.
        places = [(tasks[task_id], at) for task_id, at in sorted(won)]
        executions += _insert_runs(session, places, priority, attempt=1)
        pending = sorted(set(won))  # a place may hold enough for another run
    return executions


def _take_thresholds(session: Session, keys: list[TokenKey]) -> list[TokenKey]:
    runnable = (
        select(Task.id)
        .join(Job, Job.id == Task.job_id)
        .where(Task.active.is_(True), Job.paused.is_(False))
    )
    threshold = select(Task.threshold).where(Task.id == Token.task_id).scalar_subquery()
    statement = (
        update(Token)
        .where(
            tuple_(Token.task_id, Token.trigger_datetime).in_(keys),
            Token.task_id.in_(runnable),
            Token.count >= threshold,
        )
        .values(count=Token.count - threshold, state=State.ACTIVE)
        .returning(Token.task_id, Token.trigger_datetime)
        .execution_options(synchronize_session=False)
    )
    return [(task_id, at) for task_id, at in session.execute(statement)]


def runnable_tokens(session: Session, job_id: uuid.UUID) -> list[TokenKey]:
    """The job's tokens holding their threshold (charged while it was paused)."""
    rows = session.execute(
        select(Token.task_id, Token.trigger_datetime)
        .join(Task, Task.id == Token.task_id)
        .where(Task.job_id == job_id, Token.count >= Task.threshold)
    )
    return [(task_id, at) for task_id, at in rows]


# Built once: every run passes through these, and building a statement costs
# more than running it on SQLite. Parameters: run_task, run_at, run_queued.
_NO_LATER_RUN = ~(
    select(TaskRun.id)
    .where(
        TaskRun.task_id == bindparam("run_task"),
        TaskRun.trigger_datetime == bindparam("run_at"),
        TaskRun.queued_datetime > bindparam("run_queued"),
    )
    .exists()
)
_IS_LATEST_RUN = select(_NO_LATER_RUN)
_SET_TOKEN_STATE = (
    update(Token)
    .where(
        Token.task_id == bindparam("run_task"),
        Token.trigger_datetime == bindparam("run_at"),
        _NO_LATER_RUN,
    )
    .values(state=bindparam("new_state"))
    .execution_options(synchronize_session=False)
)


class RunPlace(Protocol):
    """What places a run: a ``TaskRun``, or a row of those columns."""

    task_id: uuid.UUID
    trigger_datetime: datetime
    queued_datetime: datetime


def _place(run: RunPlace) -> dict[str, object]:
    return {
        "run_task": run.task_id,
        "run_at": run.trigger_datetime,
        "run_queued": run.queued_datetime,
    }


def is_latest_run(session: Session, run: RunPlace) -> bool:
    """Whether no later run exists for the run's token: only the latest run
    speaks for the token's state (a late message from an old run must not)."""
    return bool(session.scalar(_IS_LATEST_RUN, _place(run)))


def set_token_state(session: Session, run: RunPlace, state: str) -> None:
    """The token takes ``state`` if ``run`` is its latest run (one statement)."""
    session.execute(_SET_TOKEN_STATE, _place(run) | {"new_state": state})


def set_token_states(session: Session, changes: list[tuple[RunPlace, str]]) -> None:
    """``set_token_state`` for many runs in one round trip to the database."""
    if changes:
        params = [_place(run) | {"new_state": state} for run, state in changes]
        session.connection().execute(_SET_TOKEN_STATE, params)


def end_lost(
    session: Session, run: TaskRun, task: Task, paused: bool, now: datetime, why: str
) -> list[Execution]:
    """End a run its worker lost (it went silent, or was stopped) in ``error``,
    and queue the next attempt while the task allows."""
    run.state = State.ERROR
    run.finish_datetime = now
    run.updated_datetime = now
    run.message = why
    allowed = (task.retry_max_attempts or 1) + LOST_RUN_REQUEUES
    if paused or not task.active or run.attempt >= allowed or not is_latest_run(session, run):
        set_token_state(session, run, State.ERROR)
        return []
    return [new_run(session, task, run.trigger_datetime, run.priority, run.attempt + 1)]


def mark_published(session: Session, executions: list[Execution]) -> None:
    ids = [e.request.task_run_id for e in executions]
    for chunk in _chunks(ids):
        session.execute(
            update(TaskRun)
            .where(TaskRun.id.in_(chunk))
            .values(published=True)
            .execution_options(synchronize_session=False)
        )


_QUEUED = (
    select(TaskRun, Task.queue)
    .join(Task, Task.id == TaskRun.task_id)
    .where(TaskRun.state == State.ACTIVE)
    .order_by(TaskRun.queued_datetime)
)


def unpublished(session: Session, older_than: datetime, limit: int = 1000) -> list[Execution]:
    """Runs committed as queued whose message may never have reached the broker."""
    rows = session.execute(
        _QUEUED.where(TaskRun.published.is_(False), TaskRun.queued_datetime < older_than).limit(
            limit
        )
    )
    return [_execution(run, queue) for run, queue in rows]


def queued(session: Session) -> list[Execution]:
    """Every run queued and not started: what an in-process broker, which
    starts empty, must be sent again."""
    return [_execution(run, queue) for run, queue in session.execute(_QUEUED)]
