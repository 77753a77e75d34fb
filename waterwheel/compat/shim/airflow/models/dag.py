"""DAG, the ``@dag`` decorator, and the registry the loader collects DAGs from.

The DAG keeps its arguments as given (``schedule_arg``, ``catchup`` None when
omitted): the defaults differ between Airflow 2 and 3, and the translator and
runner apply those of the flavour being deployed.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo
from typing import Any

from airflow.exceptions import AirflowException, DuplicateTaskIdFound
from airflow.models.param import DagParam, ParamsDict
from airflow.utils import task_group, timezone
from airflow.utils.types import NOTSET

ID_PATTERN = re.compile(r"^[\w.-]+$")
MAX_ID_LENGTH = 250

_stack: list[DAG] = []
_collected: list[DAG] | None = None


def current_dag() -> DAG | None:
    return _stack[-1] if _stack else None


@contextmanager
def collecting() -> Iterator[list[DAG]]:
    """Collect every DAG created while the block runs (one DAG file's import)."""
    global _collected
    _stack.clear()
    task_group.reset_stack()
    _collected = found = []
    try:
        yield found
    finally:
        _collected = None
        _stack.clear()
        task_group.reset_stack()


def validate_id(kind: str, value: Any) -> str:
    if not isinstance(value, str) or not ID_PATTERN.match(value) or len(value) > MAX_ID_LENGTH:
        raise AirflowException(
            f"{kind} {value!r} must be at most {MAX_ID_LENGTH} letters, digits, '_', '.' or '-'"
        )
    return value


def _as_datetime(value: Any, field: str) -> datetime | None:
    """Aware datetimes; naive ones and strings are read in UTC (default_timezone)."""
    if value is None:
        return None
    if isinstance(value, str):
        return timezone.parse(value)
    if isinstance(value, datetime):
        return timezone.coerce_datetime(value)
    raise TypeError(f"{field} must be a datetime, got {value!r}")


class DAG:
    def __init__(
        self,
        dag_id: str,
        description: str | None = None,
        *,
        schedule: Any = NOTSET,
        schedule_interval: Any = NOTSET,
        timetable: Any = None,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        default_args: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        catchup: bool | None = None,
        is_paused_upon_creation: bool | None = None,
        tags: list[str] | None = None,
        max_active_runs: int = 16,
        max_active_tasks: int = 16,
        concurrency: int | None = None,
        max_consecutive_failed_dag_runs: int = 0,
        dagrun_timeout: timedelta | None = None,
        template_searchpath: str | list[str] | None = None,
        template_undefined: Any = None,
        user_defined_macros: dict[str, Any] | None = None,
        user_defined_filters: dict[str, Callable] | None = None,
        jinja_environment_kwargs: dict[str, Any] | None = None,
        render_template_as_native_obj: bool = False,
        on_success_callback: Any = None,
        on_failure_callback: Any = None,
        sla_miss_callback: Any = None,
        doc_md: str | None = None,
        owner_links: dict[str, str] | None = None,
        fail_stop: bool = False,
        fail_fast: bool = False,
        access_control: Any = None,
        default_view: str | None = None,
        orientation: str | None = None,
        auto_register: bool = True,
        dag_display_name: str | None = None,
        deadline: Any = None,
    ) -> None:
        self.dag_id = validate_id("dag_id", dag_id)
        self.description = description
        given = {
            name: value
            for name, value in (
                ("schedule", schedule),
                ("schedule_interval", schedule_interval),
                ("timetable", timetable),
            )
            if value is not NOTSET and not (name == "timetable" and value is None)
        }
        if len(given) > 1:
            raise AirflowException(f"DAG {dag_id}: give only one of {', '.join(given)}")
        # The keyword used and its value; no keyword means the flavour's default.
        self.schedule_keyword, self.schedule_arg = next(iter(given.items()), (None, None))
        self.default_args = dict(default_args or {})
        self.start_date = _as_datetime(
            start_date or self.default_args.get("start_date"), "start_date"
        )
        self.end_date = _as_datetime(end_date or self.default_args.get("end_date"), "end_date")
        self.timezone: tzinfo = self.start_date.tzinfo if self.start_date else timezone.utc
        self.params = ParamsDict(self.default_args.get("params"))
        self.params.update(params or {})
        self.catchup = catchup
        self.is_paused_upon_creation = is_paused_upon_creation
        self.tags = list(tags or [])
        self.max_active_runs = max_active_runs
        self.max_active_tasks = concurrency if concurrency is not None else max_active_tasks
        self.max_consecutive_failed_dag_runs = max_consecutive_failed_dag_runs
        self.dagrun_timeout = dagrun_timeout
        if isinstance(template_searchpath, str):
            template_searchpath = [template_searchpath]
        self.template_searchpath = list(template_searchpath or [])
        self.template_undefined = template_undefined
        self.user_defined_macros = user_defined_macros
        self.user_defined_filters = user_defined_filters
        self.jinja_environment_kwargs = jinja_environment_kwargs
        self.render_template_as_native_obj = render_template_as_native_obj
        self.on_success_callback = on_success_callback
        self.on_failure_callback = on_failure_callback
        self.sla_miss_callback = sla_miss_callback
        self.doc_md = doc_md
        self.owner_links = owner_links or {}
        self.fail_stop = fail_stop or fail_fast
        self.deadline = deadline
        self.dag_display_name = dag_display_name or dag_id
        self.fileloc = ""  # set by the loader to the DAG file's path
        self.task_dict: dict[str, Any] = {}
        self.task_group_dict: dict[str, task_group.TaskGroup] = {}
        if _collected is not None:
            _collected.append(self)

    # Tasks and groups.

    def add_task(self, task: Any) -> None:
        if task.task_id in self.task_dict and self.task_dict[task.task_id] is not task:
            raise DuplicateTaskIdFound(
                f"Task id '{task.task_id}' has already been added to the DAG {self.dag_id}"
            )
        self.task_dict[task.task_id] = task

    def register_group(self, group: task_group.TaskGroup, group_id: str, suffix: bool) -> str:
        """Claim a unique group id; with ``suffix`` a clash becomes ``id__1``, ``id__2``…"""
        validate_id("group_id", group_id)
        unique = self.unique_id(group_id) if suffix else group_id
        if unique in self.task_group_dict or unique in self.task_dict:
            raise DuplicateTaskIdFound(f"group_id '{unique}' has already been added to the DAG")
        self.task_group_dict[unique] = group
        return unique

    def unique_id(self, wanted: str) -> str:
        """``wanted``, or ``wanted__N`` with the first N not taken by a task or group."""
        taken = self.task_dict.keys() | self.task_group_dict.keys()
        if wanted not in taken:
            return wanted
        base = re.sub(r"__\d+$", "", wanted)
        number = 1
        while f"{base}__{number}" in taken:
            number += 1
        return f"{base}__{number}"

    @property
    def tasks(self) -> list[Any]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        return list(self.task_dict)

    def get_task(self, task_id: str) -> Any:
        try:
            return self.task_dict[task_id]
        except KeyError:
            raise AirflowException(f"Task {task_id} not found in DAG {self.dag_id}") from None

    def has_task(self, task_id: str) -> bool:
        return task_id in self.task_dict

    @property
    def roots(self) -> list[Any]:
        return [t for t in self.tasks if not t.upstream_task_ids]

    @property
    def leaves(self) -> list[Any]:
        return [t for t in self.tasks if not t.downstream_task_ids]

    @property
    def owner(self) -> str:
        return ", ".join(sorted({t.owner for t in self.tasks}))

    @property
    def folder(self) -> str:
        return os.path.dirname(self.fileloc)

    def __enter__(self) -> DAG:
        _stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _stack.pop()

    def __repr__(self) -> str:
        return f"<DAG: {self.dag_id}>"


def dag(dag_id: str | Callable | None = None, **dag_kwargs: Any) -> Any:
    """``@dag`` / ``@dag(...)``: calling the function builds the DAG.

    The function's parameters become DAG params (their defaults the values);
    inside, each argument stands for ``params[name]`` at run time.
    """

    def decorate(function: Callable) -> Callable[..., DAG]:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def factory(*args: Any, **kwargs: Any) -> DAG:
            passed = signature.bind_partial(*args, **kwargs).arguments
            names = [
                name
                for name, parameter in signature.parameters.items()
                if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
            ]
            with DAG(dag_id if isinstance(dag_id, str) else function.__name__, **dag_kwargs) as new:
                if new.doc_md is None:
                    new.doc_md = function.__doc__
                for name in names:
                    default = signature.parameters[name].default
                    if name in passed:
                        new.params[name] = passed[name]
                    elif default is not inspect.Parameter.empty and name not in new.params:
                        new.params[name] = default
                function(**{name: DagParam(name) for name in names})
            return new

        return factory

    if callable(dag_id):
        function, dag_id = dag_id, None
        return decorate(function)
    return decorate
