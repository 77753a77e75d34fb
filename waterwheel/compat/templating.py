"""Jinja rendering of templated fields, with Airflow's rules (airflow-compat.md 5.3).

Sandboxed Jinja with ``StrictUndefined`` and ``jinja2.ext.do``; the DAG's
macros, filters and Jinja options apply; a string ending in one of the
operator's ``template_ext`` is a file found next to the DAG file or in
``template_searchpath``; containers are rendered element by element (dict
values only); XComArgs and ``@dag`` params are resolved; objects with their
own ``template_fields`` are rendered in place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2
import jinja2.nativetypes
import jinja2.sandbox

FILTERS = {
    "ds": lambda value: value.strftime("%Y-%m-%d"),
    "ds_nodash": lambda value: value.strftime("%Y%m%d"),
    "ts": lambda value: value.isoformat(),
    "ts_nodash": lambda value: value.strftime("%Y%m%dT%H%M%S"),
    "ts_nodash_with_tz": lambda value: value.isoformat().replace("-", "").replace(":", ""),
}


def environment(task: Any) -> jinja2.Environment:
    """The Jinja environment of ``task``'s DAG (native when the task or DAG asks)."""
    dag = task.dag
    native = task.render_template_as_native_obj
    if native is None:
        native = dag.render_template_as_native_obj
    options: dict[str, Any] = {
        "loader": jinja2.FileSystemLoader([dag.folder, *dag.template_searchpath]),
        "undefined": dag.template_undefined or jinja2.StrictUndefined,
        "extensions": ["jinja2.ext.do"],
        "cache_size": 0,
    }
    options.update(dag.jinja_environment_kwargs or {})
    cls = jinja2.nativetypes.NativeEnvironment if native else jinja2.sandbox.SandboxedEnvironment
    env = cls(**options)
    env.globals.update(dag.user_defined_macros or {})
    env.filters.update(FILTERS)
    env.filters.update(dag.user_defined_filters or {})
    return env


def render_value(
    task: Any,
    content: Any,
    context: dict[str, Any],
    env: jinja2.Environment | None = None,
    seen: set[int] | None = None,
) -> Any:
    from airflow.models.param import DagParam
    from airflow.models.xcom_arg import XComArg

    env = env or environment(task)
    seen = set() if seen is None else seen
    if isinstance(content, str):
        if content.endswith(tuple(task.template_ext)):
            return env.get_template(content).render(context)
        return env.from_string(content).render(context)
    if isinstance(content, XComArg | DagParam):
        return content.resolve(context)
    if isinstance(content, tuple):
        items = [render_value(task, item, context, env, seen) for item in content]
        return type(content)(*items) if hasattr(content, "_fields") else tuple(items)
    if isinstance(content, list | set):
        return type(content)(render_value(task, item, context, env, seen) for item in content)
    if isinstance(content, dict):
        return {key: render_value(task, item, context, env, seen) for key, item in content.items()}
    if getattr(content, "template_fields", None) and id(content) not in seen:
        seen.add(id(content))
        _render_attributes(task, content, context, env, seen)
    return content


def _render_attributes(
    task: Any, target: Any, context: dict[str, Any], env: jinja2.Environment, seen: set[int]
) -> None:
    for name in target.template_fields:
        value = getattr(target, name, None)
        if value is None or value == "" or isinstance(value, datetime):
            continue
        if callable(value) and not isinstance(value, type):
            value = value(context=context, jinja_env=env)
        setattr(target, name, render_value(task, value, context, env, seen))


def render_fields(
    task: Any, context: dict[str, Any], env: jinja2.Environment | None = None
) -> None:
    """Render every templated field of ``task`` in place, right before execute."""
    _render_attributes(task, task, context, env or environment(task), {id(task)})
