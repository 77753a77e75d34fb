"""Applying a worker's progress to its task run, and what a final result sets
off: a retry, or tokens for the tasks downstream.

What flows downstream (decided here, as the original left it open):
``success`` follows success edges (``depends``); ``failure`` and ``timeout``
follow failure edges (``depends_failure``), once no retry is left; ``error``
(the run could not be run at all: engine trouble, a lost worker past its
requeues) and ``cancelled`` stop there.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from waterwheel.broker.messages import Progress
from waterwheel.db.models import Retry, Task, TaskEdge, TaskRun
from waterwheel.scheduler.runs import Execution, add_tokens, claim, set_token_state
from waterwheel.states import FINAL_STATES, State
from waterwheel.timeutil import utcnow

log = logging.getLogger(__name__)

EDGE_FOR_RESULT = {State.SUCCESS: "success", State.FAILURE: "failure", State.TIMEOUT: "failure"}
RETRYABLE = {State.FAILURE, State.TIMEOUT}


def retry_delay(task: Task, attempt: int, default_delay: int) -> int:
    """Seconds to wait before the attempt after ``attempt``."""
    delay = task.retry_delay_secs if task.retry_delay_secs is not None else default_delay
    if task.retry_backoff == "exponential":
        delay *= 2 ** (attempt - 1)
        if task.retry_max_delay_secs is not None:
            delay = min(delay, task.retry_max_delay_secs)
    return delay


def apply_progress(
    session: Session, progress: Progress, default_retry_delay: int, message: str | None = None
) -> list[Execution]:
    """Record ``progress`` on its run; returns the runs it queues downstream.

    A message for a run that has already ended is a duplicate (redelivery) or
    stale, and changes nothing.
    """
    run = session.get(TaskRun, progress.task_run_id, with_for_update=True)
    if run is None:
        log.warning("progress for unknown task run %s ignored", progress.task_run_id)
        return []
    if run.state in FINAL_STATES or run.state == State.CANCELLED:
        return []
    now = utcnow()
    run.updated_datetime = now
    run.worker_id = progress.worker_id
    run.started_datetime = run.started_datetime or progress.started_datetime
    if progress.result == State.RUNNING:
        if run.state != State.RUNNING:
            run.state = State.RUNNING
            set_token_state(session, run, State.RUNNING)
        return []
    run.state = progress.result
    run.finish_datetime = progress.finished_datetime or now
    run.message = message
    task = session.get(Task, run.task_id)
    if progress.result in RETRYABLE and run.attempt < (task.retry_max_attempts or 1):
        delay = retry_delay(task, run.attempt, default_retry_delay)
        session.add(Retry(task_run_id=run.id, retry_at_datetime=now + timedelta(seconds=delay)))
        set_token_state(session, run, State.RETRY)
        return []
    set_token_state(session, run, progress.result)
    return propagate(session, run, progress.result)


def propagate(session: Session, run: TaskRun, result: str) -> list[Execution]:
    """Tokens for the children along the edges ``result`` follows, and their runs."""
    kind = EDGE_FOR_RESULT.get(result)
    if kind is None:
        return []
    edges = session.execute(
        select(TaskEdge.child_task_id, TaskEdge.edge_offset).where(
            TaskEdge.parent_task_id == run.task_id, TaskEdge.kind == kind
        )
    ).all()
    keys = [(child, _shift(run.trigger_datetime, offset)) for child, offset in edges]
    return claim(session, add_tokens(session, keys), run.priority)


def _shift(at: datetime, seconds: int) -> datetime:
    return at + timedelta(seconds=seconds)
