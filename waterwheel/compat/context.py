"""The template context of one run of one task (airflow-compat.md 5.1).

Both flavours get the common keys; Airflow 2 also gets the keys Airflow 3
removed (``execution_date``, ``prev_ds``, ``next_ds``, ``conf``, ``try_number``
…). Dates are aware UTC ``datetime`` objects (pendulum is not available).
Previous-successful-run keys are None: a task cannot look up other runs.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from waterwheel.compat.schedule import RunDates


class DateTime(datetime):
    """A context date: prints as ISO 8601 with a ``T``, as Airflow's pendulum
    dates do in templates (``{{ data_interval_start }}``)."""

    def __str__(self) -> str:
        return self.isoformat()

    @classmethod
    def of(cls, value: datetime | None) -> DateTime | None:
        return None if value is None else cls.combine(value.date(), value.timetz())


def context_dates(dates: RunDates) -> RunDates:
    """The run's dates as context dates."""
    return RunDates(*(DateTime.of(value) for value in astuple(dates)))


@dataclass
class DagRun:
    """``dag_run``: the run of the DAG this task belongs to."""

    dag_id: str
    run_id: str
    logical_date: datetime
    data_interval_start: datetime
    data_interval_end: datetime
    run_after: datetime
    run_type: str  # "manual" or "scheduled"
    conf: dict[str, Any] = field(default_factory=dict)
    state: str = "running"
    start_date: datetime | None = None
    end_date: datetime | None = None
    triggering_user_name: str | None = None
    clear_number: int = 0

    @property
    def execution_date(self) -> datetime:
        return self.logical_date

    @property
    def external_trigger(self) -> bool:
        return self.run_type == "manual"


def run_id(manual: bool, logical_date: datetime) -> str:
    return f"{'manual' if manual else 'scheduled'}__{logical_date.isoformat()}"


def _ds(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d") if value else None


def _ds_nodash(value: datetime | None) -> str | None:
    return value.strftime("%Y%m%d") if value else None


def build_context(
    *,
    task: Any,
    ti: Any,
    dag_run: DagRun,
    dates: RunDates,
    params: dict[str, Any],
    flavour: str,
) -> dict[str, Any]:
    """The context; ``dates`` should come from ``context_dates``."""
    from airflow import macros
    from airflow.configuration import conf
    from airflow.utils.context import ConnectionAccessor, VariableAccessor

    logical = dates.logical_date
    context: dict[str, Any] = {
        "conn": ConnectionAccessor(),
        "dag": task.dag,
        "dag_run": dag_run,
        "data_interval_start": dates.data_interval_start,
        "data_interval_end": dates.data_interval_end,
        "ds": _ds(logical),
        "ds_nodash": _ds_nodash(logical),
        "inlets": [],
        "outlets": [],
        "logical_date": logical,
        "macros": macros,
        "map_index_template": task.map_index_template,
        "params": params,
        "prev_data_interval_start_success": None,
        "prev_data_interval_end_success": None,
        "prev_start_date_success": None,
        "prev_end_date_success": None,
        "run_id": dag_run.run_id,
        "task": task,
        "task_instance": ti,
        "ti": ti,
        "task_instance_key_str": f"{task.dag.dag_id}__{task.task_id}__{_ds_nodash(logical)}",
        "templates_dict": None,
        "ts": logical.isoformat(),
        "ts_nodash": logical.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": logical.isoformat().replace("-", "").replace(":", ""),
        "var": VariableAccessor(),
    }
    if flavour == "3":
        return context | {"triggering_asset_events": {}, "task_reschedule_count": 0}
    prev, following = dates.prev_logical_date, dates.next_logical_date
    return context | {
        "conf": conf,
        "execution_date": logical,
        "next_ds": _ds(following),
        "next_ds_nodash": _ds_nodash(following),
        "next_execution_date": following,
        "prev_ds": _ds(prev),
        "prev_ds_nodash": _ds_nodash(prev),
        "prev_execution_date": prev,
        "prev_execution_date_success": None,
        "tomorrow_ds": _ds(logical + timedelta(days=1)),
        "tomorrow_ds_nodash": _ds_nodash(logical + timedelta(days=1)),
        "yesterday_ds": _ds(logical - timedelta(days=1)),
        "yesterday_ds_nodash": _ds_nodash(logical - timedelta(days=1)),
        "triggering_dataset_events": {},
        "test_mode": False,
        "try_number": ti.try_number,
    }
