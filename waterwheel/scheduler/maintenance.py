"""Work found by looking at the database rather than handed over in a message:
retries that are due, runs whose worker went silent, runs held by a pause.

Every function takes its rows inside the caller's transaction (row locks that
skip rows another scheduler holds, or a delete that only one can win), so any
number of schedulers may sweep at once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from waterwheel.db.models import Job, Retry, Task, TaskRun
from waterwheel.scheduler.downstream import resume_rules
from waterwheel.scheduler.runs import (
    Execution,
    TokenKey,
    end_lost,
    is_latest_run,
    new_run,
    run_ready,
    runnable_tokens,
)
from waterwheel.states import Priority, State

log = logging.getLogger(__name__)


def due_retries(session: Session, now: datetime, limit: int = 100) -> list[Execution]:
    """Queue the next attempt of every run whose retry time has come."""
    rows = session.execute(
        select(Retry, TaskRun, Task)
        .join(TaskRun, TaskRun.id == Retry.task_run_id)
        .join(Task, Task.id == TaskRun.task_id)
        .where(Retry.retry_at_datetime <= now)
        .order_by(Retry.retry_at_datetime)
        .limit(limit)
        .with_for_update(of=Retry, skip_locked=True)
    ).all()
    executions = []
    for retry, run, task in rows:
        session.delete(retry)
        executions.append(
            new_run(session, task, run.trigger_datetime, run.priority, run.attempt + 1)
        )
    return executions


def next_retry_at(session: Session) -> datetime | None:
    return session.scalar(
        select(Retry.retry_at_datetime).order_by(Retry.retry_at_datetime).limit(1)
    )


def requeue_lost(session: Session, silent_since: datetime, now: datetime) -> list[Execution]:
    """Runs whose worker stopped sending heartbeats end in ``error`` and run again
    as a new attempt (while the task allows)."""
    rows = session.execute(
        select(TaskRun, Task, Job.paused)
        .join(Task, Task.id == TaskRun.task_id)
        .join(Job, Job.id == Task.job_id)
        .where(TaskRun.state == State.RUNNING, TaskRun.updated_datetime < silent_since)
        .with_for_update(of=TaskRun, skip_locked=True)
    ).all()
    executions = []
    for run, task, paused in rows:
        log.warning("task run %s lost: worker %s went silent", run.id, run.worker_id)
        why = f"lost: worker {run.worker_id} stopped sending heartbeats"
        executions += end_lost(session, run, task, paused, now, why)
    return executions


def resume_job(session: Session, job_id: uuid.UUID) -> list[Execution]:
    """After unpausing: run the tokens charged while paused, decide the rule
    tasks that waited, and run again the runs workers refused for the pause."""
    executions = run_ready(session, runnable_tokens(session, job_id), Priority.NORMAL)
    executions += resume_rules(session, job_id)
    cancelled = session.execute(
        select(TaskRun, Task)
        .join(Task, Task.id == TaskRun.task_id)
        .where(Task.job_id == job_id, Task.active.is_(True), TaskRun.state == State.CANCELLED)
        .with_for_update(of=TaskRun, skip_locked=True)
    ).all()
    for run, task in cancelled:
        if is_latest_run(session, run):
            executions.append(
                new_run(session, task, run.trigger_datetime, run.priority, run.attempt + 1)
            )
    return executions


def forget_retries(session: Session, keys: list[TokenKey]) -> None:
    """Cleared tokens keep no pending retry."""
    for task_id, at in keys:
        runs = select(TaskRun.id).where(TaskRun.task_id == task_id, TaskRun.trigger_datetime == at)
        session.execute(delete(Retry).where(Retry.task_run_id.in_(runs)))


def silent_threshold(now: datetime, heartbeat: int, missed: int) -> datetime:
    return now - timedelta(seconds=heartbeat * missed)
