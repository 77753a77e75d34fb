"""TaskGroup: a structural grouping whose id prefixes its tasks' ids.

Waterwheel has no groups; the translator flattens them into task names such as
``group.task``, which are also Airflow's task ids.
"""

from __future__ import annotations

from typing import Any

from airflow.exceptions import DuplicateTaskIdFound
from airflow.models.taskmixin import DependencyMixin

_stack: list[TaskGroup] = []


def current_group() -> TaskGroup | None:
    return _stack[-1] if _stack else None


def reset_stack() -> None:
    """Forget groups left open by a file that failed mid-``with``."""
    _stack.clear()


class TaskGroup(DependencyMixin):
    def __init__(
        self,
        group_id: str,
        prefix_group_id: bool = True,
        parent_group: TaskGroup | None = None,
        dag: Any = None,
        default_args: dict[str, Any] | None = None,
        tooltip: str = "",
        ui_color: str = "CornflowerBlue",
        ui_fgcolor: str = "#000",
        add_suffix_on_collision: bool = False,
        group_display_name: str | None = None,
    ) -> None:
        from airflow.models.dag import current_dag

        self.parent_group = parent_group if parent_group is not None else current_group()
        self.dag = dag or (self.parent_group.dag if self.parent_group else None) or current_dag()
        self.prefix_group_id = prefix_group_id
        self.default_args = dict(default_args or {})
        self.tooltip = tooltip
        self.children: dict[str, Any] = {}
        group_id = self._child_id_of_parent(group_id)
        if self.dag is not None:
            group_id = self.dag.register_group(self, group_id, add_suffix_on_collision)
        self.group_id = group_id
        if self.parent_group is not None:
            self.parent_group.children[group_id] = self

    def _child_id_of_parent(self, label: str) -> str:
        return self.parent_group.child_id(label) if self.parent_group else label

    def child_id(self, label: str) -> str:
        """The id a task or group named ``label`` gets inside this group."""
        if self.prefix_group_id:
            return f"{self.group_id}.{label}"
        return self._child_id_of_parent(label)

    def add(self, node: Any) -> None:
        key = getattr(node, "task_id", None) or node.group_id
        if key in self.children:
            raise DuplicateTaskIdFound(f"'{key}' has already been added to group {self.group_id}")
        self.children[key] = node

    def iter_tasks(self):
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                yield from child.iter_tasks()
            else:
                yield child

    def _task_ids(self) -> set[str]:
        return {task.task_id for task in self.iter_tasks()}

    @property
    def roots(self) -> list[Any]:
        """Tasks of the group with no upstream inside it."""
        inside = self._task_ids()
        return [t for t in self.iter_tasks() if not (t.upstream_task_ids & inside)]

    @property
    def leaves(self) -> list[Any]:
        """Tasks of the group with no downstream inside it."""
        inside = self._task_ids()
        return [t for t in self.iter_tasks() if not (t.downstream_task_ids & inside)]

    def __enter__(self) -> TaskGroup:
        _stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _stack.pop()

    def __repr__(self) -> str:
        return f"<TaskGroup: {self.group_id}>"
