"""Dependency cycles that would rerun forever, found in the stored graph.

A result passes a token downstream at ``trigger time + edge offset`` (offsets
are never negative). Around a cycle whose offsets are all zero, a task's own
result therefore feeds it again at the same trigger time, and it reruns
without end; a positive offset somewhere on the cycle moves each round to a
later trigger time, as in "today's run waits for yesterday's". A job saved
into the database is checked with the edges of every other job, inside the
saving transaction, so that two documents each fine alone cannot close such
a cycle between them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from waterwheel.db.models import Job, Project, Task, TaskEdge


class DependencyCycle(ValueError):
    """Saving the job would close a cycle of tasks without a positive offset."""


def check_no_zero_offset_cycle(session: Session, task_ids: Iterable[uuid.UUID]) -> None:
    """Raise DependencyCycle naming the tasks of a zero-offset cycle through any of
    ``task_ids`` (as stored in this transaction, edges of other jobs included)."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialises the check with other saves until commit: two transactions
        # each adding one half of a cycle would otherwise both see none.
        # (SQLite writers are serialised already.)
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('waterwheel.task_edge'))"))
    starts = list(task_ids)
    cycle = _find_cycle(starts, _zero_offset_children(session, starts))
    if cycle:
        names = _names(session, cycle)
        path = " -> ".join(names[task] for task in [*cycle, cycle[0]])
        raise DependencyCycle(
            f"tasks depend on each other without a positive offset, so they would rerun "
            f"forever: {path} (add an offset such as '@1d' to one of these references)"
        )


def _zero_offset_children(
    session: Session, starts: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The zero-offset edges (parent -> children) reachable downstream of ``starts``."""
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    frontier = set(starts)
    while frontier:
        for task in frontier:
            children.setdefault(task, [])
        rows = session.execute(
            select(TaskEdge.parent_task_id, TaskEdge.child_task_id).where(
                TaskEdge.parent_task_id.in_(frontier), TaskEdge.edge_offset == 0
            )
        ).all()
        for parent, child in rows:
            children[parent].append(child)
        frontier = {child for _, child in rows if child not in children}
    return children


def _find_cycle(
    starts: list[uuid.UUID], children: dict[uuid.UUID, list[uuid.UUID]]
) -> list[uuid.UUID] | None:
    """A cycle (its tasks in dependency order) reachable from ``starts``, or None.

    Depth-first without recursion: a chain of thousands of tasks is fine.
    """
    done: set[uuid.UUID] = set()
    for start in starts:
        if start in done:
            continue
        path: list[uuid.UUID] = [start]
        on_path = {start}
        pending = [iter(children[start])]
        while pending:
            child = next(pending[-1], None)
            if child is None:
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                pending.pop()
                continue
            if child in on_path:
                return path[path.index(child) :]
            if child not in done:
                path.append(child)
                on_path.add(child)
                pending.append(iter(children[child]))
    return None


def _names(session: Session, task_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """``project/job/task/name`` of each task, as a reference would spell it."""
    rows = session.execute(
        select(Task.id, Project.name, Job.name, Task.name)
        .join(Job, Job.id == Task.job_id)
        .join(Project, Project.id == Job.project_id)
        .where(Task.id.in_(task_ids))
    ).all()
    return {task: f"{project}/{job}/task/{name}" for task, project, job, name in rows}
