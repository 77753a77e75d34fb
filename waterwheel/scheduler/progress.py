"""Applying a worker's progress to its task run: the run's state, then for a
final result either a retry or what ``downstream`` makes of it.

Only a worker's own word counts: a message must carry a worker's signature
(``authentic``) and name the attempt of the run that this worker claimed
(``_apply_one``); anything else is dropped with a warning.

``failure`` and ``timeout`` are retried while the task's retry policy allows
(a task exiting with its ``fail_exit_code`` has none left); ``error`` (the run
could not be run at all: engine trouble, a lost worker past its requeues) is
never retried here, as a lost run is requeued by ``runs.end_lost``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from waterwheel.auth.tokens import TokenKeys
from waterwheel.broker.messages import Progress
from waterwheel.db.models import Job, Retry, Task, TaskRun
from waterwheel.scheduler.downstream import children_of, propagate, read_children
from waterwheel.scheduler.runs import Execution, RunPlace, end_lost, set_token_states
from waterwheel.states import FINAL_STATES, State
from waterwheel.timeutil import utcnow

log = logging.getLogger(__name__)

RETRYABLE = {State.FAILURE, State.TIMEOUT}


def retry_delay(task: Task, attempt: int, default_delay: int) -> int:
    """Seconds to wait before the attempt after ``attempt``."""
    delay = task.retry_delay_secs if task.retry_delay_secs is not None else default_delay
    if task.retry_backoff == "exponential":
        delay *= 2 ** (attempt - 1)
        if task.retry_max_delay_secs is not None:
            delay = min(delay, task.retry_max_delay_secs)
    return delay


def _fails_for_good(task: Task, progress: Progress) -> bool:
    """The task exited with its ``fail_exit_code``: it says a retry cannot help
    (bad input, a missing precondition), so none is made whatever ``retry`` allows."""
    return (
        progress.result == State.FAILURE
        and task.fail_exit_code is not None
        and progress.exit_code == task.fail_exit_code
    )


# Built once: every run's progress passes through these (building a statement
# costs more than running it on SQLite).
_RUNS_FOR_UPDATE = (
    select(TaskRun)
    .where(TaskRun.id.in_(bindparam("ids", expanding=True)))
    .order_by(TaskRun.id)  # one lock order for every scheduler
    .with_for_update()
)
_TASKS = select(Task).where(Task.id.in_(bindparam("ids", expanding=True)))


def authentic(batch: Sequence[Progress], keys: TokenKeys) -> list[Progress]:
    """The messages a worker signed; the rest (forged by whoever else reaches
    the broker, a task on the host network say) are dropped with a warning."""
    signed = []
    for progress in batch:
        if keys.verify_message(progress.signed_part(), progress.signature):
            signed.append(progress)
        else:
            log.warning(
                "progress for task run %s dropped: its signature is missing or wrong",
                progress.task_run_id,
            )
    return signed


def apply_progress(
    session: Session, batch: Sequence[Progress], default_retry_delay: int
) -> list[Execution]:
    """Record each progress message (in order) on its run; returns the runs
    they queue downstream. The batch's runs are locked and loaded with one
    query, their tasks with another and the tasks' children with a third, so
    a message costs little more than its writes.
    Batches are small (the scheduler takes at most a few hundred at once)."""
    runs = {
        run.id: run
        for run in session.scalars(_RUNS_FOR_UPDATE, {"ids": [p.task_run_id for p in batch]})
    }
    # Held here: the session's identity map keeps only weak references.
    tasks = {
        task.id: task
        for task in session.scalars(_TASKS, {"ids": list({r.task_id for r in runs.values()})})
    }
    read_children(session, tasks)
    executions: list[Execution] = []
    # The runs' own changes are written together at commit: nothing below
    # reads a run row this batch changes (later runs are inserted at once).
    # Their tokens' states are written together too, but before anything
    # downstream reads them (see ``_apply_one``).
    token_states: list[tuple[RunPlace, str]] = []
    with session.no_autoflush:
        for progress in batch:
            run = runs.get(progress.task_run_id)
            task = tasks[run.task_id] if run is not None else None
            executions += _apply_one(
                session, progress, run, task, default_retry_delay, token_states
            )
    set_token_states(session, token_states)
    return executions


def _apply_one(
    session: Session,
    progress: Progress,
    run: TaskRun | None,
    task: Task | None,
    default_retry_delay: int,
    token_states: list[tuple[RunPlace, str]],
) -> list[Execution]:
    """A message for a run that has already ended is a duplicate (redelivery)
    or stale, and changes nothing. The token state the run sets is appended
    to ``token_states``, which are written before the result goes downstream
    (a rule task reads its upstream tokens)."""
    if run is None or task is None:
        log.warning("progress for unknown task run %s ignored", progress.task_run_id)
        return []
    if run.state in FINAL_STATES or run.state == State.CANCELLED:
        return []
    if run.worker_id != progress.worker_id or run.attempt != progress.attempt:
        log.warning(
            "progress for task run %s dropped: it names worker %s and attempt %d,"
            " but the run is attempt %d, claimed by worker %s",
            run.id,
            progress.worker_id,
            progress.attempt,
            run.attempt,
            run.worker_id,
        )
        return []
    now = utcnow()
    run.updated_datetime = now
    run.started_datetime = run.started_datetime or progress.started_datetime
    if progress.result == State.RUNNING:
        if run.state != State.RUNNING:
            run.state = State.RUNNING
            token_states.append((run, State.RUNNING))
        return []
    if progress.interrupted:
        set_token_states(session, token_states)  # the batch's earlier states first
        token_states.clear()
        paused = session.get(Job, task.job_id).paused
        why = f"interrupted: worker {progress.worker_id} was stopped"
        return end_lost(session, run, task, paused, progress.finished_datetime or now, why)
    run.state = progress.result
    run.finish_datetime = progress.finished_datetime or now
    final = _fails_for_good(task, progress)
    message = progress.message
    run.message = f"{message or 'failed'} (fail_exit_code: no retry)" if final else message
    if progress.result in RETRYABLE and run.attempt < (task.retry_max_attempts or 1) and not final:
        delay = retry_delay(task, run.attempt, default_retry_delay)
        session.add(Retry(task_run_id=run.id, retry_at_datetime=now + timedelta(seconds=delay)))
        token_states.append((run, State.RETRY))
        return []
    token_states.append((run, progress.result))
    if not children_of(session, run.task_id):
        return []  # nothing downstream to tell (or to read the token state)
    set_token_states(session, token_states)
    token_states.clear()
    return propagate(session, run.task_id, run.trigger_datetime, progress.result, run.priority)
