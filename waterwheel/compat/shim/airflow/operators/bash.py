"""BashOperator: runs a rendered command with ``bash -c`` in a temporary
folder; the last output line is its XCom, an exit code in
``skip_on_exit_code`` (99 by default) skips the task."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Container
from typing import Any

from airflow.exceptions import AirflowException, AirflowSkipException
from airflow.models.baseoperator import BaseOperator
from airflow.utils.operator_helpers import context_to_airflow_vars
from airflow.utils.types import NOTSET


class BashOperator(BaseOperator):
    template_fields = ("bash_command", "env", "cwd")
    template_ext = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: str,
        env: dict[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_exit_code: int | None = NOTSET,  # type: ignore[assignment]
        skip_on_exit_code: int | Container[int] | None = 99,
        cwd: str | None = None,
        output_processor: Callable[[str], Any] = lambda result: result,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.append_env = append_env
        self.output_encoding = output_encoding
        if skip_exit_code is not NOTSET:  # Airflow 2's older name
            skip_on_exit_code = skip_exit_code
        self.skip_on_exit_code = (
            []
            if skip_on_exit_code is None
            else [skip_on_exit_code]
            if isinstance(skip_on_exit_code, int)
            else list(skip_on_exit_code)
        )
        self.cwd = cwd
        self.output_processor = output_processor

    def _environment(self, context: dict[str, Any]) -> dict[str, str]:
        env = dict(os.environ) if self.env is None else dict(self.env)
        if self.env is not None and self.append_env:
            env = dict(os.environ) | env
        return env | context_to_airflow_vars(context)

    def run_command(self, command: str, context: dict[str, Any]) -> Any:
        """Stream the output to the task log; map the exit code (shared with @task.bash)."""
        if self.cwd is not None and not os.path.isdir(self.cwd):
            raise AirflowException(f"Can not find the cwd: {self.cwd}")
        with tempfile.TemporaryDirectory(prefix="airflowtmp") as tmp:
            process = subprocess.Popen(
                ["bash", "-c", command],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=self.cwd or tmp,
                env=self._environment(context),
            )
            last_line = ""
            assert process.stdout is not None
            for raw in process.stdout:
                line = raw.decode(self.output_encoding, errors="backslashreplace")
                sys.stdout.write(line)
                last_line = line.rstrip("\n")
            sys.stdout.flush()
            code = process.wait()
        if code in self.skip_on_exit_code:
            raise AirflowSkipException(f"Bash command returned exit code {code}. Skipping.")
        if code != 0:
            raise AirflowException(
                f"Bash command failed. The command returned a non-zero exit code {code}."
            )
        return self.output_processor(last_line)

    def execute(self, context: dict[str, Any]) -> Any:
        return self.run_command(self.bash_command, context)
