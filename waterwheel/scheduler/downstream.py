"""Downstream of a result: tokens along the edges it follows, and the
decisions of tasks with a trigger rule (Airflow's), each inside the caller's
transaction.

What flows downstream (decided here, as the original left it open):
``success`` follows success edges (``depends``); ``failure`` and ``timeout``
follow failure edges (``depends_failure``); ``error`` (the run could not be
run at all) and ``cancelled`` stop there. Whether a result is final (no retry
left) is for ``progress`` to say before it calls ``propagate``.

Tasks with a trigger rule are decided by ``settle`` over every upstream
result instead, and can end ``skipped`` or ``upstream_failed``; a branching
task's choice reaches them through the job stash (``read_decision``).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from waterwheel.db.models import Job, JobStash, Task, TaskEdge, Token
from waterwheel.db.upsert import insert_missing
from waterwheel.graph import EdgeKind
from waterwheel.scheduler.rules import DONE, Verdict, decide
from waterwheel.scheduler.runs import (
    Execution,
    TokenKey,
    add_tokens,
    ended_run,
    new_run,
    run_ready,
)
from waterwheel.stashkeys import DECISION_PREFIX
from waterwheel.states import Priority, State

log = logging.getLogger(__name__)

EDGE_FOR_RESULT = {
    State.SUCCESS: EdgeKind.SUCCESS,
    State.FAILURE: EdgeKind.FAILURE,
    State.TIMEOUT: EdgeKind.FAILURE,
}

# Built once: every result passes through these.
_TOKEN_STATE = select(Token.state).where(
    Token.task_id == bindparam("task"), Token.trigger_datetime == bindparam("at")
)
_CHILDREN = (
    select(
        TaskEdge.parent_task_id, TaskEdge.child_task_id, TaskEdge.edge_offset, TaskEdge.kind, Task
    )
    .join(Task, Task.id == TaskEdge.child_task_id)
    .where(TaskEdge.parent_task_id.in_(bindparam("parents", expanding=True)))
    .where(Task.active.is_(True))
)


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
    children = children_of(session, task_id)
    branching = result == State.SUCCESS and any(row[3].trigger_rule for row in children)
    decision = read_decision(session, task_id, at) if branching else Decision()
    executions: list[Execution] = []
    plain: list[TokenKey] = []
    for child_id, offset, edge_kind, child in children:
        child_at = _shift(at, offset)
        if child.trigger_rule is not None and edge_kind == EdgeKind.SUCCESS:
            forced = force_all or decision.skips(child.name)
            executions += settle(
                session, child, child_at, priority, forced, force_all or decision.all
            )
        elif edge_kind == kind:
            plain.append((child_id, child_at))
    return executions + run_ready(session, add_tokens(session, plain), priority)


def children_of(session: Session, task_id: uuid.UUID) -> list[tuple]:
    """A task's active children (id, edge offset, edge kind, task), read once
    per transaction: a batch of progress often names one task many times."""
    return read_children(session, [task_id])[task_id]


def read_children(session: Session, task_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list]:
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
    reason = "skipped by a branch upstream" if forced_skip else f"{task.trigger_rule}: {state}"
    ended_run(session, task, at, state, priority, reason)
    return propagate(session, task.id, at, state, priority, force_all)


def upstream_states(session: Session, task_id: uuid.UUID, at: datetime) -> list[str | None]:
    """The state of each upstream task (success edges) at its own trigger time,
    None while it is not done."""
    edges = session.execute(
        select(TaskEdge.parent_task_id, TaskEdge.edge_offset).where(
            TaskEdge.child_task_id == task_id, TaskEdge.kind == EdgeKind.SUCCESS
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
    row = {"task_id": task_id, "trigger_datetime": at, "count": 0, "state": State.WAITING}
    insert_missing(session, Token, [row], keys=["task_id", "trigger_datetime"])


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
