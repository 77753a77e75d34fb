"""Airflow's exceptions; the runner maps skip and failure ones onto exit codes."""

from __future__ import annotations


class AirflowException(Exception):
    """Base of every Airflow error."""


class AirflowSkipException(AirflowException):
    """Raised by a task to end as skipped (the runner exits with the skip code)."""


class AirflowFailException(AirflowException):
    """Raised by a task to fail without retrying."""


class AirflowSensorTimeout(AirflowException):
    """A sensor gave up waiting."""


class AirflowTaskTimeout(AirflowException):
    """A task ran past its execution_timeout."""


class AirflowNotFoundException(AirflowException):
    """A connection or other named object does not exist."""


class DuplicateTaskIdFound(AirflowException):
    """Two tasks (or groups) of one DAG have the same id."""


class ParamValidationError(AirflowException):
    """A DAG param has no value or an invalid one."""


class AirflowRuntimeError(AirflowException):
    """Airflow 3's error for lookups that fail at run time."""


class VariableNotFound(AirflowRuntimeError, KeyError):
    """A missing Variable: Airflow 3 raises AirflowRuntimeError, Airflow 2 a
    KeyError, and DAG code catches either."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "variable not found"
