"""``@task_group``: calling the function builds a TaskGroup around the tasks it
creates; calling it again gives ``group__1``, ``group__2``…"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from airflow.utils.task_group import TaskGroup


def task_group(group_id: str | Callable | None = None, **group_kwargs: Any) -> Any:
    def decorate(function: Callable) -> Callable[..., Any]:
        @functools.wraps(function)
        def factory(*args: Any, **kwargs: Any) -> Any:
            name = group_id if isinstance(group_id, str) else function.__name__
            options = {"tooltip": function.__doc__ or ""} | group_kwargs
            with TaskGroup(name, add_suffix_on_collision=True, **options) as group:
                result = function(*args, **kwargs)
            # A returned task binds later dependencies to it; else to the group.
            return group if result is None else result

        return factory

    if callable(group_id):
        function, group_id = group_id, None
        return decorate(function)
    return decorate
