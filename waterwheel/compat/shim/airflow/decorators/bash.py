"""``@task.bash``: the function returns the command, which is then rendered
and run as a BashOperator would run it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from airflow.operators.bash import BashOperator
from airflow.utils.operator_helpers import determine_kwargs


class BashTaskOperator(BashOperator):
    template_fields = ("op_args", "op_kwargs", "env", "cwd")

    def __init__(
        self,
        *,
        python_callable: Callable,
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(bash_command="", **kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})

    def execute(self, context: dict[str, Any]) -> Any:
        kwargs = determine_kwargs(self.python_callable, self.op_args, context | self.op_kwargs)
        command = self.python_callable(*self.op_args, **kwargs)
        if not isinstance(command, str) or not command.strip():
            raise TypeError(
                "The returned value from the TaskFlow callable must be a non-empty string."
            )
        self.bash_command = self.render_template(command, context)
        return self.run_command(self.bash_command, context)
