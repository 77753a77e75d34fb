"""``@dag``, ``@task`` (and ``task.bash``, ``task.branch``, ``task.short_circuit``)
and ``@task_group``."""

from __future__ import annotations

from typing import Any

from airflow.decorators.base import task_decorator_factory
from airflow.decorators.bash import BashTaskOperator
from airflow.decorators.task_group import task_group
from airflow.models.dag import dag
from airflow.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator


class TaskDecoratorCollection:
    """``@task`` itself, and its named forms; others are not provided."""

    python = staticmethod(task_decorator_factory(PythonOperator))
    bash = staticmethod(task_decorator_factory(BashTaskOperator))
    branch = staticmethod(task_decorator_factory(BranchPythonOperator))
    short_circuit = staticmethod(task_decorator_factory(ShortCircuitOperator))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.python(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"@task.{name} is not provided by Waterwheel's Airflow shim")


task = TaskDecoratorCollection()

__all__ = ["dag", "task", "task_group"]
