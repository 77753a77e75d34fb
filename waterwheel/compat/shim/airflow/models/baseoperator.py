"""BaseOperator, and chain / cross_downstream / chain_linear.

Operators take keyword arguments only. ``default_args`` (the DAG's, then the
enclosing TaskGroups', then the operator's own) fill every argument an
operator class accepts and was not given; keys no class accepts are ignored,
and an argument no class accepts is an error, as in Airflow.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from airflow.exceptions import AirflowException
from airflow.models.dag import DAG, current_dag, validate_id
from airflow.models.param import ParamsDict
from airflow.models.taskmixin import DependencyMixin
from airflow.models.xcom_arg import XComArg
from airflow.utils import task_group as groups
from airflow.utils.trigger_rule import TriggerRule

# Arguments of Airflow 1.10 that old DAG files still pass; accepted and ignored.
_IGNORED_ARGS = frozenset({"provide_context"})


def _default_args(kwargs: dict[str, Any]) -> dict[str, Any]:
    """DAG default_args, overridden by the enclosing groups', then the operator's."""
    group = kwargs.get("task_group") or groups.current_group()
    dag = kwargs.get("dag") or (group.dag if group else None) or current_dag()
    merged = dict(dag.default_args) if dag else {}
    chain_of_groups = []
    while group is not None:
        chain_of_groups.append(group)
        group = group.parent_group
    for outer in reversed(chain_of_groups):
        merged.update(outer.default_args)
    merged.update(kwargs.get("default_args") or {})
    return merged


def _apply_defaults(init: Callable) -> Callable:
    parameters = inspect.signature(init).parameters.values()
    accepted = {
        p.name for p in parameters if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    } - {"self"}
    passes_default_args = "default_args" in accepted or any(
        p.kind is p.VAR_KEYWORD for p in parameters
    )

    @functools.wraps(init)
    def wrapper(self: BaseOperator, *args: Any, **kwargs: Any) -> None:
        if args:
            raise AirflowException("Use keyword arguments when initializing operators")
        defaults = _default_args(kwargs)
        for name in accepted - kwargs.keys() - {"params", "default_args"}:
            if name in defaults:
                kwargs[name] = defaults[name]
        if passes_default_args:
            kwargs["default_args"] = defaults  # BaseOperator takes its params from them
        init(self, **kwargs)

    return wrapper


class _OperatorMeta(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]):
        if "__init__" in namespace:
            namespace["__init__"] = _apply_defaults(namespace["__init__"])
        return super().__new__(mcs, name, bases, namespace)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        operator = super().__call__(*args, **kwargs)
        operator._link_xcom_args()
        return operator


def _as_timedelta(value: Any, field: str) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise TypeError(f"{field} must be a timedelta or a number of seconds, got {value!r}")


class BaseOperator(DependencyMixin, metaclass=_OperatorMeta):
    """One task. ``execute(context)`` runs in the task's container."""

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()
    template_fields_renderers: ClassVar[dict[str, str]] = {}
    ui_color: str = "#fff"
    ui_fgcolor: str = "#000"
    # False for operators Waterwheel runs as a no-op task (no container).
    runs_in_container: ClassVar[bool] = True

    def __init__(
        self,
        *,
        task_id: str,
        owner: str = "airflow",
        email: str | list[str] | None = None,
        email_on_retry: bool = True,
        email_on_failure: bool = True,
        retries: int | None = 0,
        retry_delay: timedelta | float = timedelta(seconds=300),
        retry_exponential_backoff: bool | float = False,
        max_retry_delay: timedelta | float | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        depends_on_past: bool = False,
        ignore_first_depends_on_past: bool = True,
        wait_for_past_depends_before_skipping: bool = False,
        wait_for_downstream: bool = False,
        dag: DAG | None = None,
        params: dict[str, Any] | None = None,
        default_args: dict[str, Any] | None = None,
        priority_weight: int = 1,
        weight_rule: str = "downstream",
        queue: str = "default",
        pool: str | None = None,
        pool_slots: int = 1,
        sla: timedelta | None = None,
        execution_timeout: timedelta | float | None = None,
        on_execute_callback: Any = None,
        on_failure_callback: Any = None,
        on_success_callback: Any = None,
        on_retry_callback: Any = None,
        on_skipped_callback: Any = None,
        pre_execute: Callable | None = None,
        post_execute: Callable | None = None,
        trigger_rule: str = TriggerRule.ALL_SUCCESS,
        resources: dict[str, Any] | None = None,
        run_as_user: str | None = None,
        task_concurrency: int | None = None,
        map_index_template: str | None = None,
        max_active_tis_per_dag: int | None = None,
        max_active_tis_per_dagrun: int | None = None,
        executor: str | None = None,
        executor_config: dict[str, Any] | None = None,
        do_xcom_push: bool = True,
        multiple_outputs: bool = False,
        inlets: Any = None,
        outlets: Any = None,
        task_group: groups.TaskGroup | None = None,
        doc: str | None = None,
        doc_md: str | None = None,
        doc_json: str | None = None,
        doc_yaml: str | None = None,
        doc_rst: str | None = None,
        task_display_name: str | None = None,
        logger_name: str | None = None,
        allow_nested_operators: bool = True,
        render_template_as_native_obj: bool | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = sorted(set(kwargs) - _IGNORED_ARGS)
        if unknown:
            raise TypeError(
                f"Invalid arguments were passed to {type(self).__name__} (task_id: {task_id})."
                f" Invalid arguments were: {', '.join(unknown)}"
            )
        if not TriggerRule.is_valid(trigger_rule):
            raise AirflowException(
                f"The trigger_rule must be one of {sorted(TriggerRule.all_triggers())},"
                f" '{task_id}' has '{trigger_rule}'"
            )
        self.owner = owner
        self.email = email
        self.email_on_retry = email_on_retry
        self.email_on_failure = email_on_failure
        self.retries = int(retries or 0)
        self.retry_delay = _as_timedelta(retry_delay, "retry_delay")
        self.retry_exponential_backoff = retry_exponential_backoff
        self.max_retry_delay = _as_timedelta(max_retry_delay, "max_retry_delay")
        self.start_date = start_date
        self.end_date = end_date
        self.depends_on_past = depends_on_past
        self.wait_for_downstream = wait_for_downstream
        self.priority_weight = priority_weight
        self.weight_rule = weight_rule
        self.queue = queue
        self.pool = pool
        self.pool_slots = pool_slots
        self.sla = sla
        self.execution_timeout = _as_timedelta(execution_timeout, "execution_timeout")
        self.on_execute_callback = on_execute_callback
        self.on_failure_callback = on_failure_callback
        self.on_success_callback = on_success_callback
        self.on_retry_callback = on_retry_callback
        self.on_skipped_callback = on_skipped_callback
        self._pre_execute_hook = pre_execute
        self._post_execute_hook = post_execute
        self.trigger_rule = TriggerRule(trigger_rule)
        self.resources = resources
        self.run_as_user = run_as_user
        self.max_active_tis_per_dag = max_active_tis_per_dag or task_concurrency
        self.max_active_tis_per_dagrun = max_active_tis_per_dagrun
        self.map_index_template = map_index_template
        self.executor = executor
        self.executor_config = executor_config
        self.do_xcom_push = do_xcom_push
        self.multiple_outputs = multiple_outputs
        self.inlets = inlets
        self.outlets = outlets
        self.doc_md = doc_md or doc or doc_json or doc_yaml or doc_rst
        self.task_display_name = task_display_name
        self.render_template_as_native_obj = render_template_as_native_obj
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()
        self.params = ParamsDict((default_args or {}).get("params"))
        self.params.update(params or {})
        self.task_group = task_group or groups.current_group()
        raw_id = validate_id("task_id", task_id)
        self.task_id = self.task_group.child_id(raw_id) if self.task_group else raw_id
        self._dag: DAG | None = None
        self.dag = dag or (self.task_group.dag if self.task_group else None) or current_dag()
        if self.task_group is not None:
            self.task_group.add(self)

    # The DAG it belongs to.

    @property
    def dag(self) -> DAG | None:
        return self._dag

    @dag.setter
    def dag(self, dag: DAG | None) -> None:
        if dag is None or dag is self._dag:
            return
        if self._dag is not None:
            raise AirflowException(f"task {self.task_id} already belongs to {self._dag.dag_id}")
        dag.add_task(self)
        self._dag = dag

    # Dependencies.

    @property
    def roots(self) -> list[BaseOperator]:
        return [self]

    @property
    def leaves(self) -> list[BaseOperator]:
        return [self]

    def _add_downstream(self, other: BaseOperator) -> None:
        if self.dag is None and other.dag is not None:
            self.dag = other.dag
        elif other.dag is None and self.dag is not None:
            other.dag = self.dag
        elif self.dag is not other.dag:
            raise AirflowException(
                f"tried to set relationships between tasks in more than one DAG:"
                f" {self.task_id} and {other.task_id}"
            )
        self.downstream_task_ids.add(other.task_id)
        other.upstream_task_ids.add(self.task_id)

    def _link_xcom_args(self) -> None:
        """Make every task whose XComArg is in a templated field an upstream."""
        for field in self.template_fields:
            for arg in _xcom_args_in(getattr(self, field, None)):
                arg.operator._add_downstream(self)

    @property
    def upstream_list(self) -> list[BaseOperator]:
        return [self.dag.get_task(i) for i in sorted(self.upstream_task_ids)] if self.dag else []

    @property
    def downstream_list(self) -> list[BaseOperator]:
        return [self.dag.get_task(i) for i in sorted(self.downstream_task_ids)] if self.dag else []

    @property
    def output(self) -> XComArg:
        return XComArg(self)

    # What the runner calls.

    @property
    def task_type(self) -> str:
        return type(self).__name__

    def pre_execute(self, context: dict[str, Any]) -> None:
        if self._pre_execute_hook is not None:
            self._pre_execute_hook(context)

    def execute(self, context: dict[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement execute()")

    def post_execute(self, context: dict[str, Any], result: Any = None) -> None:
        if self._post_execute_hook is not None:
            self._post_execute_hook(context, result)

    def render_template_fields(self, context: dict[str, Any], jinja_env: Any = None) -> None:
        from waterwheel.compat.templating import render_fields

        render_fields(self, context, jinja_env)

    def render_template(self, content: Any, context: dict[str, Any], jinja_env: Any = None) -> Any:
        from waterwheel.compat.templating import render_value

        return render_value(self, content, context, jinja_env)

    def __repr__(self) -> str:
        return f"<Task({self.task_type}): {self.task_id}>"


def _xcom_args_in(value: Any):
    if isinstance(value, XComArg):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _xcom_args_in(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _xcom_args_in(item)


def chain(*tasks: Any) -> None:
    """``chain(a, [b, c], d)``: each element upstream of the next; two lists
    next to each other are joined pairwise and must be of equal length."""
    for up, down in zip(tasks, tasks[1:], strict=False):
        if isinstance(up, list | tuple) and isinstance(down, list | tuple):
            if len(up) != len(down):
                raise AirflowException(
                    f"chain() got lists of different lengths: {len(up)} and {len(down)}"
                )
            for left, right in zip(up, down, strict=True):
                left >> right
        else:
            up >> down


def chain_linear(*elements: Any) -> None:
    """Like chain, but every element of one list goes to every element of the next."""
    if len(elements) < 2:
        raise ValueError("chain_linear needs at least two elements")
    for up, down in zip(elements, elements[1:], strict=False):
        for left in up if isinstance(up, list | tuple) else [up]:
            left >> down


def cross_downstream(from_tasks: Sequence[Any], to_tasks: Any) -> None:
    """Every task of ``from_tasks`` upstream of every task of ``to_tasks``."""
    for task in from_tasks:
        task >> to_tasks
