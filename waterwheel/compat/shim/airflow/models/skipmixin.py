"""How branch and short-circuit tasks tell Waterwheel what to skip.

The decision is handed to the task instance; the runner stores it in the job
stash (``_decision.<task>``) before exiting, and the scheduler applies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airflow.exceptions import AirflowException


def _downstream_closure(dag: Any, task_ids: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    pending = list(task_ids)
    while pending:
        task_id = pending.pop()
        if task_id not in seen:
            seen.add(task_id)
            pending.extend(dag.get_task(task_id).downstream_task_ids)
    return seen


class SkipMixin:
    def skip_all_except(self, ti: Any, branch_task_ids: str | Iterable[str] | None) -> None:
        """Follow the given tasks (a group id means its root tasks).

        ``followed`` lists them and every task downstream of them, in DAG
        order: a direct downstream task of this one not in it is skipped.
        """
        dag = self.dag  # type: ignore[attr-defined]
        if branch_task_ids is None:
            wanted: list[str] = []
        elif isinstance(branch_task_ids, str):
            wanted = [branch_task_ids]
        else:
            wanted = list(branch_task_ids)
        chosen: list[str] = []
        for task_id in wanted:
            if task_id in dag.task_group_dict:
                chosen.extend(t.task_id for t in dag.task_group_dict[task_id].roots)
            elif dag.has_task(task_id):
                chosen.append(task_id)
            else:
                raise AirflowException(
                    f"'branch_task_ids' must contain only valid task_ids. Invalid tasks found:"
                    f" {task_id}"
                )
        followed = _downstream_closure(dag, chosen)
        ti.set_decision({"followed": [t for t in dag.task_ids if t in followed]})

    def skip_downstream(self, ti: Any, direct_only: bool) -> None:
        """Skip every downstream task, or (``direct_only``) just the direct ones
        and let the rest follow their trigger rules."""
        ti.set_decision({"skip_downstream": "direct" if direct_only else "all"})
