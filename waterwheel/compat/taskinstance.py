"""The ``ti`` of the template context: who is running, XCom over the job
stash with each flavour's pull defaults, and the branch decision to report."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterable
from typing import Any

from waterwheel.compat import xcom
from waterwheel.compat.stash import StashClient


class TaskInstance:
    map_index = -1  # task mapping is not supported

    def __init__(
        self, task: Any, run_id: str, try_number: int, flavour: str, client: StashClient
    ) -> None:
        self.task = task
        self.task_id = task.task_id
        self.dag_id = task.dag.dag_id
        self.run_id = run_id
        self.try_number = try_number
        self.max_tries = task.retries
        self.flavour = flavour
        self.client = client
        self.decision: dict[str, Any] | None = None

    def set_decision(self, decision: dict[str, Any]) -> None:
        """Branch or short-circuit outcome, written by the runner before exit."""
        self.decision = decision

    def xcom_push(self, key: str, value: Any, execution_date: Any = None) -> None:
        self.client.put_job_value(xcom.stash_key(self.task_id, key), xcom.dumps(value))

    def _read(self, task_id: str, key: str) -> tuple[bool, Any]:
        data = self.client.job_value(xcom.stash_key(task_id, key))
        return (False, None) if data is None else (True, xcom.loads(data))

    def _any_task_order(self) -> Iterable[str]:
        """Airflow 2's ``task_ids=None`` reads any task of the run; without a
        listing, try this task, then its upstream nearest first, then the rest."""
        dag = self.task.dag
        order: dict[str, None] = {self.task_id: None}
        queue = deque([self.task_id])
        while queue:
            for upstream in sorted(dag.get_task(queue.popleft()).upstream_task_ids):
                if upstream not in order:
                    order[upstream] = None
                    queue.append(upstream)
        return [*order, *(t for t in dag.task_ids if t not in order)]

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        dag_id: str | None = None,
        key: str | None = xcom.RETURN_VALUE,
        include_prior_dates: bool = False,
        *,
        map_indexes: Any = None,
        default: Any = None,
        run_id: str | None = None,
        session: Any = None,
    ) -> Any:
        """One value for one task id (or ``default``); a list, in order, of the
        values found for a list of ids. ``task_ids=None`` means this task in
        Airflow 3 and any task of the run in Airflow 2."""
        from airflow.exceptions import AirflowException

        if dag_id not in (None, self.dag_id) or run_id not in (None, self.run_id):
            raise AirflowException("Waterwheel tasks can read the XComs of their own run only")
        if include_prior_dates:
            print(
                "xcom_pull: include_prior_dates is not supported; reading this run", file=sys.stderr
            )
        key = key or xcom.RETURN_VALUE
        if task_ids is None:
            candidates = [self.task_id] if self.flavour == "3" else self._any_task_order()
            for task_id in candidates:
                found, value = self._read(task_id, key)
                if found:
                    return value
            return default
        if isinstance(task_ids, str):
            found, value = self._read(task_ids, key)
            return value if found else default
        return [value for found, value in (self._read(t, key) for t in task_ids) if found]

    def __repr__(self) -> str:
        return f"<TaskInstance: {self.dag_id}.{self.task_id} {self.run_id} [running]>"
