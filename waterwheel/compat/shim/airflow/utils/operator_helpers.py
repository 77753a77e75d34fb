"""Context helpers shared by the operators: the AIRFLOW_CTX_* variables and
the keyword arguments a Python callable gets from the context."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def context_to_airflow_vars(context: Mapping[str, Any]) -> dict[str, str]:
    """The ``AIRFLOW_CTX_*`` environment of a task. The date goes under both
    names (Airflow 2's EXECUTION_DATE, Airflow 3's LOGICAL_DATE)."""
    ti, task = context["ti"], context["task"]
    email = task.email or []
    logical_date = context["logical_date"].isoformat()
    return {
        "AIRFLOW_CTX_DAG_ID": ti.dag_id,
        "AIRFLOW_CTX_TASK_ID": ti.task_id,
        "AIRFLOW_CTX_EXECUTION_DATE": logical_date,
        "AIRFLOW_CTX_LOGICAL_DATE": logical_date,
        "AIRFLOW_CTX_TRY_NUMBER": str(ti.try_number),
        "AIRFLOW_CTX_DAG_RUN_ID": context["run_id"],
        "AIRFLOW_CTX_DAG_OWNER": task.owner,
        "AIRFLOW_CTX_DAG_EMAIL": email if isinstance(email, str) else ",".join(email),
    }


def determine_kwargs(
    function: Callable, args: Sequence[Any], kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """What to pass by keyword: everything when the callable takes ``**kwargs``,
    else only the names it declares (minus those filled by ``args``)."""
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return dict(kwargs)
    positional = [
        p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    taken = set(positional[: len(args)])
    return {
        name: value
        for name, value in kwargs.items()
        if name in signature.parameters and name not in taken
    }
