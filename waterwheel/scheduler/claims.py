"""A worker's claim of queued runs, before it runs them: exactly one claim of
a run wins, so a redelivered or republished task request never runs the task
twice. A run of a paused job (or of a task since removed) is cancelled
instead of claimed. Inside the caller's transaction; one statement each for
all the runs of a claim."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.orm import Session

from waterwheel.db.models import Job, Task, TaskRun
from waterwheel.scheduler.runs import set_token_states
from waterwheel.states import State

# Built once (every run is claimed here; building costs more than running).
_FIND_RUNS = (
    select(
        TaskRun.id,
        TaskRun.state,
        TaskRun.task_id,
        TaskRun.trigger_datetime,
        TaskRun.queued_datetime,
        Task.active,
        Job.paused,
    )
    .join(Task, Task.id == TaskRun.task_id)
    .join(Job, Job.id == Task.job_id)
    .where(TaskRun.id.in_(bindparam("run_ids", expanding=True)))
    .order_by(TaskRun.id)  # one lock order for concurrent claims
    .with_for_update(of=TaskRun)
)
_UPDATE_RUN = (
    update(TaskRun)
    .where(TaskRun.id == bindparam("run_id"))
    .values(
        state=bindparam("new_state"),
        worker_id=bindparam("worker"),
        updated_datetime=bindparam("now"),
        started_datetime=bindparam("started"),
        finish_datetime=bindparam("finished"),
        message=bindparam("why"),
    )
    .execution_options(synchronize_session=False)
)


@dataclass
class Claim:
    """The runs a claim won, and why each of the others was refused."""

    claimed: list[uuid.UUID] = field(default_factory=list)
    refused: dict[uuid.UUID, str] = field(default_factory=dict)


def claim_runs(
    session: Session, worker_id: uuid.UUID, run_ids: list[uuid.UUID], now: datetime
) -> Claim:
    """Mark the queued ones of ``run_ids`` running on ``worker_id`` (or
    cancelled, when they may no longer run); the rest are refused."""
    claim = Claim(refused={run_id: "task run not found" for run_id in run_ids})
    changes: list[dict[str, object]] = []
    tokens: list[tuple[Row, str]] = []
    for found in session.execute(_FIND_RUNS, {"run_ids": run_ids}):
        if found.state != State.ACTIVE:
            claim.refused[found.id] = f"task run is {found.state}, not queued"
            continue
        cancelled = "job paused" if found.paused else None if found.active else "task removed"
        state = State.CANCELLED if cancelled else State.RUNNING
        changes.append(
            {
                "run_id": found.id,
                "new_state": state,
                "worker": worker_id,
                "now": now,
                "started": None if cancelled else now,
                "finished": now if cancelled else None,
                "why": cancelled,
            }
        )
        tokens.append((found, state))
        if cancelled:
            claim.refused[found.id] = f"task run cancelled: {cancelled}"
        else:
            del claim.refused[found.id]
            claim.claimed.append(found.id)
    if changes:  # each statement once for all runs: one round trip each
        session.connection().execute(_UPDATE_RUN, changes)
        set_token_states(session, tokens)
    return claim
