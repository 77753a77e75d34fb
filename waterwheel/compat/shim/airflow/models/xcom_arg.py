"""XComArg: a task's output used as another task's input.

Passing one to a task adds the edge at parse time; at run time the runner
resolves it by pulling the XCom.
"""

from __future__ import annotations

from typing import Any

from airflow.models.taskmixin import DependencyMixin

RETURN_KEY = "return_value"


class XComArg(DependencyMixin):
    def __init__(self, operator: Any, key: str = RETURN_KEY) -> None:
        self.operator = operator
        self.key = key

    @property
    def roots(self) -> list[Any]:
        return [self.operator]

    @property
    def leaves(self) -> list[Any]:
        return [self.operator]

    def __getitem__(self, key: str) -> XComArg:
        """``result["k"]`` pulls key ``k`` of a multiple_outputs task."""
        return XComArg(self.operator, key)

    def __iter__(self):
        raise TypeError("an XComArg is not iterable at parse time (task mapping is not supported)")

    def __str__(self) -> str:
        """The template text that pulls this value, as Airflow renders it."""
        dag_id = self.operator.dag.dag_id if self.operator.dag else ""
        pull = f"task_instance.xcom_pull(task_ids='{self.operator.task_id}', dag_id='{dag_id}'"
        return "{{ " + pull + f", key='{self.key}') }}}}"

    def resolve(self, context: dict[str, Any]) -> Any:
        return context["ti"].xcom_pull(task_ids=self.operator.task_id, key=self.key)
