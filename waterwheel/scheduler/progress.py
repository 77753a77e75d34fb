"""Applying a worker's progress to its task run, and what a final result sets
off: a retry, or tokens for the tasks downstream.

What flows downstream (decided here, as the original left it open):
``success`` follows success edges (``depends``); ``failure`` and ``timeout``
follow failure edges (``depends_failure``), once no retry is left (a task
exiting with its ``fail_exit_code`` has none left); ``error``
(the run could not be run at all: engine trouble, a lost worker past its
requeues) and ``cancelled`` stop there.

Tasks with a trigger rule (Airflow's) are decided by ``settle`` over every
upstream result instead, and can end ``skipped`` or ``upstream_failed``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from waterwheel.broker.messages import Progress
from waterwheel.db.models import Job, JobStash, Retry, Task, TaskEdge, TaskRun, Token
from waterwheel.scheduler.rules import DONE, Verdict, decide
from waterwheel.scheduler.runs import (
    Execution,
    RunPlace,
    TokenKey,
    add_tokens,
    claim,
    end_lost,
    new_run,
    set_token_states,
)
from waterwheel.states import FINAL_STATES, Priority, State
from waterwheel.timeutil import utcnow

log = logging.getLogger(__name__)

EDGE_FOR_RESULT = {State.SUCCESS: "success", State.FAILURE: "failure", State.TIMEOUT: "failure"}
DECISION_PREFIX = "_decision."
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
_TOKEN_STATE = select(Token.state).where(
    Token.task_id == bindparam("task"), Token.trigger_datetime == bindparam("at")
)
_TASKS = select(Task).where(Task.id.in_(bindparam("ids", expanding=True)))
_CHILDREN = (
    select(
        TaskEdge.parent_task_id, TaskEdge.child_task_id, TaskEdge.edge_offset, TaskEdge.kind, Task
    )
    .join(Task, Task.id == TaskEdge.child_task_id)
    .where(TaskEdge.parent_task_id.in_(bindparam("parents", expanding=True)))
    .where(Task.active.is_(True))
)


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
    _read_children(session, tasks)
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
    now = utcnow()
    run.updated_datetime = now
    run.worker_id = progress.worker_id
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
    if not _children(session, run.task_id):
        return []  # nothing downstream to tell (or to read the token state)
    set_token_states(session, token_states)
    token_states.clear()
    return propagate(session, run.task_id, run.trigger_datetime, progress.result, run.priority)


def propagate(
    session: Session,
    task_id: uuid.UUID,
    at: datetime,
    result: str,
    priority: str,
    force_all: bool = False,
) -> list[Execution]:
    """What ``result`` of ``task_id`` at ``at`` does downstream, in this transaction.

    Tasks without a trigger rule get a token along the edges the result follows
    and run at their threshold. Tasks with one decide by their rule (run, skip
    or upstream_failed), and a skip or upstream failure cascades further down.
    A branch's decision (see ``read_decision``) skips the tasks it did not
    follow; ``force_all`` skips everything below, whatever its rule.
    """
    kind = EDGE_FOR_RESULT.get(result)
    children = _children(session, task_id)
    branching = result == State.SUCCESS and any(row[3].trigger_rule for row in children)
    decision = read_decision(session, task_id, at) if branching else Decision()
    executions: list[Execution] = []
    plain: list[TokenKey] = []
    for child_id, offset, edge_kind, child in children:
        child_at = _shift(at, offset)
        if child.trigger_rule is not None and edge_kind == "success":
            forced = force_all or decision.skips(child.name)
            executions += settle(
                session, child, child_at, priority, forced, force_all or decision.all
            )
        elif edge_kind == kind:
            plain.append((child_id, child_at))
    return executions + claim(session, add_tokens(session, plain), priority)


def _children(session: Session, task_id: uuid.UUID) -> list[tuple]:
    """A task's active children (id, edge offset, edge kind, task), read once
    per transaction: a batch of progress often names one task many times."""
    return _read_children(session, [task_id])[task_id]


def _read_children(session: Session, task_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list]:
    """Read the children of those of ``task_ids`` not read yet in this
    transaction, with one query; returns what the transaction knows."""
    known: dict[uuid.UUID, list] = session.info.setdefault("children", {})
    missing = [task_id for task_id in task_ids if task_id not in known]
    if missing:
        for task_id in missing:
            known[task_id] = []
        for parent, *child in session.execute(_CHILDREN, {"parents": missing}):
            known[parent].append(tuple(child))
    return known


def settle(
    session: Session,
    task: Task,
    at: datetime,
    priority: str,
    forced_skip: bool = False,
    force_all: bool = False,
) -> list[Execution]:
    """Decide a rule task at ``at`` once its upstream results allow it: run it,
    or end it skipped or upstream_failed (and carry that downstream). Each
    (task, trigger time) is decided once: the decision takes the place from
    ``waiting`` in one conditional update."""
    _ensure_place(session, task.id, at)
    if forced_skip:
        verdict: Verdict | None = Verdict.SKIP
    elif session.get(Job, task.job_id).paused:
        return []  # decided when the job is resumed
    else:
        verdict = decide(task.trigger_rule or "all_success", upstream_states(session, task.id, at))
    if verdict is None:
        return []
    state = State.ACTIVE if verdict == Verdict.RUN else verdict.value
    won = session.execute(
        update(Token)
        .where(
            Token.task_id == task.id,
            Token.trigger_datetime == at,
            Token.state == State.WAITING,
        )
        .values(state=state, count=0)
        .returning(Token.task_id)
        .execution_options(synchronize_session=False)
    ).first()
    if won is None:
        return []
    if verdict == Verdict.RUN:
        return [new_run(session, task, at, priority, attempt=1)]
    now = utcnow()
    reason = "skipped by a branch upstream" if forced_skip else f"{task.trigger_rule}: {state}"
    session.add(
        TaskRun(
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
            message=reason,
        )
    )
    return propagate(session, task.id, at, state, priority, force_all)


def upstream_states(session: Session, task_id: uuid.UUID, at: datetime) -> list[str | None]:
    """The state of each upstream task (success edges) at its own trigger time,
    None while it is not done."""
    edges = session.execute(
        select(TaskEdge.parent_task_id, TaskEdge.edge_offset).where(
            TaskEdge.child_task_id == task_id, TaskEdge.kind == "success"
        )
    ).all()
    states = []
    for parent, offset in edges:
        # A query, not session.get: token states change by UPDATE statements in
        # this transaction (a progress batch), which a loaded Token would miss.
        state = session.scalar(_TOKEN_STATE, {"task": parent, "at": _shift(at, -offset)})
        states.append(state if state in DONE else None)
    return states


def _ensure_place(session: Session, task_id: uuid.UUID, at: datetime) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(Token)
        .values(task_id=task_id, trigger_datetime=at, count=0, state=State.WAITING)
        .on_conflict_do_nothing(index_elements=["task_id", "trigger_datetime"])
    )


@dataclass(frozen=True)
class Decision:
    """What a branching task chose, read from its job-stash key."""

    followed: frozenset[str] | None = None  # a branch: only these run
    direct: bool = False  # short-circuit: skip the direct downstream tasks
    all: bool = False  # short-circuit: skip everything downstream

    def skips(self, child: str) -> bool:
        return self.direct or self.all or (self.followed is not None and child not in self.followed)


def read_decision(session: Session, task_id: uuid.UUID, at: datetime) -> Decision:
    """A task that branches writes ``{"followed": [names]}`` or
    ``{"skip_downstream": "all"|"direct"}`` to the job-stash key
    ``_decision.<task name>`` of its trigger time before it exits 0."""
    task = session.get(Task, task_id)
    data = session.scalar(
        select(JobStash.data).where(
            JobStash.job_id == task.job_id,
            JobStash.trigger_datetime == at,
            JobStash.name == DECISION_PREFIX + task.name,
        )
    )
    if data is None:
        return Decision()
    try:
        value = json.loads(data)
        if "followed" in value:
            return Decision(followed=frozenset(str(name) for name in value["followed"]))
        how = value.get("skip_downstream")
        return Decision(direct=how == "direct", all=how == "all")
    except (ValueError, TypeError, AttributeError):
        log.warning("task %s wrote an unreadable decision %r; ignored", task.name, data[:200])
        return Decision()


def resume_rules(session: Session, job_id: uuid.UUID) -> list[Execution]:
    """Decide the rule tasks of a resumed job that waited while it was paused."""
    waiting = session.execute(
        select(Token.trigger_datetime, Task)
        .join(Task, Task.id == Token.task_id)
        .where(
            Task.job_id == job_id,
            Task.trigger_rule.is_not(None),
            Token.state == State.WAITING,
        )
    ).all()
    executions: list[Execution] = []
    for at, task in waiting:
        executions += settle(session, task, at, Priority.NORMAL)
    return executions


def _shift(at: datetime, seconds: int) -> datetime:
    return at + timedelta(seconds=seconds)
