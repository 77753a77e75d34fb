"""PythonOperator and the branching and short-circuit operators built on it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from airflow.exceptions import AirflowException
from airflow.models.baseoperator import BaseOperator
from airflow.models.skipmixin import SkipMixin
from airflow.utils.context import get_current_context
from airflow.utils.operator_helpers import determine_kwargs


class PythonOperator(BaseOperator):
    """Calls ``python_callable(*op_args, **op_kwargs)``, adding the context
    keys the callable names (all of them when it takes ``**kwargs``)."""

    template_fields = ("templates_dict", "op_args", "op_kwargs")
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable,
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: list[str] | None = None,
        show_return_value_in_logs: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(python_callable):
            raise AirflowException("`python_callable` param must be callable")
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        if templates_exts:
            self.template_ext = templates_exts
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context: dict[str, Any]) -> Any:
        context["templates_dict"] = self.templates_dict
        available = context | self.op_kwargs
        kwargs = determine_kwargs(self.python_callable, self.op_args, available)
        result = self.python_callable(*self.op_args, **kwargs)
        # Airflow logs the value with %s (str, not repr), or says it is hidden.
        if self.show_return_value_in_logs:
            print(f"Done. Returned value was: {result}", flush=True)
        else:
            print("Done. Returned value not shown", flush=True)
        return result


class BranchPythonOperator(PythonOperator, SkipMixin):
    """The callable returns the task id(s) or group id(s) to follow."""

    def execute(self, context: dict[str, Any]) -> Any:
        branch = super().execute(context)
        self.skip_all_except(context["ti"], branch)
        return branch


class ShortCircuitOperator(PythonOperator, SkipMixin):
    """A falsy result skips everything downstream (or, with
    ``ignore_downstream_trigger_rules=False``, only the direct downstream)."""

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: dict[str, Any]) -> Any:
        condition = super().execute(context)
        if not condition:
            print("Condition result is falsy: skipping downstream tasks", flush=True)
            self.skip_downstream(
                context["ti"], direct_only=not self.ignore_downstream_trigger_rules
            )
        return condition


__all__ = [
    "BranchPythonOperator",
    "PythonOperator",
    "ShortCircuitOperator",
    "get_current_context",
]
