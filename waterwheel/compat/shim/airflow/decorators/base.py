"""TaskFlow: ``@task`` and its ``task.bash / branch / short_circuit`` forms.

Calling a decorated function inside a DAG creates the operator and returns
its output as an XComArg; XComArgs among the call's arguments become
upstream edges, and are pulled at run time.
"""

from __future__ import annotations

import collections.abc
import functools
import re
import typing
from collections.abc import Callable
from typing import Any

from airflow.models.dag import current_dag
from airflow.models.xcom_arg import XComArg
from airflow.utils import task_group as groups


def _infers_multiple_outputs(function: Callable) -> bool:
    """A ``dict`` or ``Mapping`` return annotation means multiple_outputs."""
    try:
        annotation = typing.get_type_hints(function).get("return")
    except (NameError, TypeError):
        return False
    origin = typing.get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, dict | collections.abc.Mapping)


def _unique_task_id(task_id: str, kwargs: dict[str, Any]) -> str:
    """Calling one function twice gives ``f``, ``f__1``, ``f__2``…"""
    group = kwargs.get("task_group") or groups.current_group()
    dag = kwargs.get("dag") or (group.dag if group else None) or current_dag()
    if dag is None:
        return task_id
    full = group.child_id if group else (lambda label: label)
    if full(task_id) not in dag.task_dict:
        return task_id
    core = re.sub(r"__\d+$", "", task_id)
    number = 1
    while full(f"{core}__{number}") in dag.task_dict:
        number += 1
    return f"{core}__{number}"


class DecoratedTask:
    """A decorated function; calling it adds a task to the current DAG."""

    def __init__(
        self,
        function: Callable,
        operator_class: type,
        multiple_outputs: bool | None,
        kwargs: dict[str, Any],
    ) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.operator_class = operator_class
        self.multiple_outputs = multiple_outputs
        self.kwargs = kwargs

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        options = dict(self.kwargs)
        task_id = _unique_task_id(options.pop("task_id", self.function.__name__), options)
        multiple_outputs = self.multiple_outputs
        if multiple_outputs is None:
            multiple_outputs = _infers_multiple_outputs(self.function)
        operator = self.operator_class(
            task_id=task_id,
            python_callable=self.function,
            op_args=args,
            op_kwargs=kwargs,
            multiple_outputs=multiple_outputs,
            **options,
        )
        return XComArg(operator)

    def override(self, **kwargs: Any) -> DecoratedTask:
        """The same task with other operator arguments (``task_id``, ``retries``…)."""
        multiple_outputs = kwargs.pop("multiple_outputs", self.multiple_outputs)
        return DecoratedTask(
            self.function, self.operator_class, multiple_outputs, self.kwargs | kwargs
        )


def task_decorator_factory(operator_class: type) -> Callable[..., Any]:
    """A decorator usable bare (``@task.x``) and with arguments (``@task.x(...)``)."""

    def decorator(
        python_callable: Callable | None = None,
        *,
        multiple_outputs: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        def wrap(function: Callable) -> DecoratedTask:
            return DecoratedTask(function, operator_class, multiple_outputs, kwargs)

        return wrap(python_callable) if python_callable is not None else wrap

    return decorator
