"""``airflow.configuration.conf``: Airflow settings as DAG code reads them.

Values come from ``AIRFLOW__<SECTION>__<KEY>`` environment variables, then
the Airflow defaults Waterwheel follows, then the caller's fallback.
"""

from __future__ import annotations

import os
from typing import Any

from airflow.exceptions import AirflowException
from airflow.utils.types import NOTSET

DEFAULTS = {
    ("core", "default_timezone"): "utc",
    ("core", "max_active_runs_per_dag"): "16",
    ("core", "max_active_tasks_per_dag"): "16",
    ("core", "dags_are_paused_at_creation"): "True",
    ("core", "default_task_retries"): "0",
    ("core", "default_task_retry_delay"): "300",
    ("core", "max_task_retry_delay"): "86400",
    ("core", "dag_run_conf_overrides_params"): "True",
    ("operators", "default_queue"): "default",
}


class AirflowConfigException(AirflowException):
    """A setting that has no value."""


class WaterwheelConfig:
    def get(self, section: str, key: str, fallback: Any = NOTSET, **_: Any) -> Any:
        value = os.environ.get(f"AIRFLOW__{section.upper()}__{key.upper()}")
        if value is None:
            value = DEFAULTS.get((section.lower(), key.lower()))
        if value is not None:
            return value
        if fallback is not NOTSET:
            return fallback
        raise AirflowConfigException(f"section/key [{section}/{key}] not found in config")

    def getboolean(self, section: str, key: str, fallback: Any = NOTSET, **_: Any) -> bool:
        value = self.get(section, key, fallback)
        return (
            value if isinstance(value, bool) else str(value).strip().lower() in {"true", "t", "1"}
        )

    def getint(self, section: str, key: str, fallback: Any = NOTSET, **_: Any) -> int:
        return int(self.get(section, key, fallback))


conf = WaterwheelConfig()
