"""A loaded DAG as a Waterwheel job document, with what could not be kept.

Each Airflow task becomes a task whose container runs the compat runner on
the same DAG file (EmptyOperator becomes a no-op task); TaskGroups are
flattened into their tasks' Airflow ids (``group.task``); the schedule
becomes one trigger whose times mean what schedule.py says. Beyond the
job schema every task carries ``trigger_rule``; the job carries an ``airflow``
block of metadata. Tasks that run the runner carry its exit codes
(``skip_exit_code``, ``fail_exit_code``) and may write Variables
(``project_stash_write``).

Whatever has no Waterwheel equivalent is returned as a warning naming the
DAG, the task and the reason: nothing is dropped silently.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from waterwheel.compat import schedule as schedules
from waterwheel.compat.contract import (
    ENV_DAGS_FOLDER,
    ENV_TIMING,
    ENV_VERSION,
    FAIL_EXIT_CODE,
    SKIP_EXIT_CODE,
)
from waterwheel.compat.stash import VARIABLE_PREFIX
from waterwheel.cron import CronError, CronSchedule
from waterwheel.durations import format_duration
from waterwheel.job_fields import TRIGGER_KEYS
from waterwheel.timeutil import format_datetime

DEFAULT_IMAGE = "waterwheel-airflow:latest"
RUNNER_COMMAND = ["python3", "-m", "waterwheel.compat.runner"]
TRIGGER_NAME = "schedule"
# Job uuids are derived from project and dag_id, so redeploying updates the job.
UUID_NAMESPACE = uuid.UUID("7d1c3bd4-5a0e-4d43-9a53-1f5f4b1f2a9e")
DEFAULT_MAX_RETRY_DELAY = timedelta(days=1)  # Airflow's max_task_retry_delay
# Old trigger rule names and the ones the scheduler knows.
RULE_ALIASES = {"none_failed_or_skipped": "none_failed_min_one_success", "dummy": "always"}


@dataclass(frozen=True)
class TranslationWarning:
    dag_id: str
    task_id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"DAG {self.dag_id}" + (f", task {self.task_id}" if self.task_id else "")
        return f"{where}: {self.reason}"


@dataclass
class Translation:
    dag_id: str
    document: dict[str, Any]
    warnings: list[TranslationWarning] = field(default_factory=list)


def job_uuid(project: str, dag_id: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, f"{project}/{dag_id}"))


def _seconds(value: timedelta) -> int:
    return max(1, int(value.total_seconds()))


def _is_utc(tz: tzinfo) -> bool:
    if isinstance(tz, timezone):
        return tz.utcoffset(None) == timedelta(0)
    return getattr(tz, "key", None) in {"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal"}


def _shown(value: Any) -> str:
    """A value for a warning: callables by name, the rest as their repr."""
    return getattr(value, "__qualname__", None) or repr(value)


def _jsonable(value: Any) -> Any:
    """Metadata as JSON; values JSON cannot hold become their text."""
    return json.loads(json.dumps(value, default=str))


class _Translator:
    def __init__(self, dag: Any, project: str, flavour: str, image: str, dags_folder: Path | None):
        self.dag = dag
        self.project = project
        self.flavour = flavour
        self.image = image
        self.dags_folder = dags_folder
        self.warnings: list[TranslationWarning] = []

    def warn(self, reason: str, task_id: str | None = None) -> None:
        self.warnings.append(TranslationWarning(self.dag.dag_id, task_id, reason))

    # The trigger.

    def catchup(self) -> bool:
        if self.dag.catchup is not None:
            return bool(self.dag.catchup)
        return self.flavour == "2"  # catchup_by_default: True in 2.x, False in 3.x

    def schedule(self) -> schedules.Schedule:
        if self.dag.schedule_keyword == "schedule_interval" and self.flavour == "3":
            self.warn("schedule_interval is Airflow 2 only (a TypeError in 3); read as schedule")
        try:
            return schedules.resolve(self.dag, self.flavour)
        except schedules.UnsupportedSchedule as exc:
            self.warn(f"{exc}; the job gets no trigger (manual runs only)")
            return schedules.Schedule("none")

    def trigger(self, schedule: schedules.Schedule, how: str) -> dict[str, Any] | None:
        dag = self.dag
        if schedule.kind == "none":
            return None
        if dag.start_date is None:
            self.warn("the schedule needs a start_date; the job gets no trigger (manual runs only)")
            return None
        start, end, tz = dag.start_date.astimezone(UTC), dag.end_date, dag.timezone
        if schedule.kind == "once":
            # One time, run even when it lies in the past, as Airflow does.
            return {
                "name": TRIGGER_NAME,
                "start": format_datetime(start),
                "end": format_datetime(start + timedelta(seconds=1)),
                "period": "1d",
                "catchup": "earliest",
            }
        trigger: dict[str, Any] = {
            "name": TRIGGER_NAME,
            # catchup=False runs the most recent missed interval once, as Airflow.
            "catchup": "earliest" if self.catchup() else "latest_only",
        }
        if schedule.kind == "delta":
            assert schedule.delta is not None
            if schedule.delta % timedelta(seconds=1):
                self.warn(f"schedule {schedule.delta} is rounded to whole seconds")
            period = format_duration(_seconds(schedule.delta))
            trigger |= {"start": format_datetime(start), "period": period}
            if how == schedules.INTERVAL_START:
                trigger["offset"] = period
        else:
            cron = schedule.cron or ""
            try:
                CronSchedule(cron)
            except CronError as exc:
                self.warn(f"cron {cron!r} is not supported by Waterwheel ({exc}); no trigger")
                return None
            if not _is_utc(tz):
                self.warn(
                    f"Waterwheel evaluates crons in UTC: {cron!r} runs at UTC times, not in"
                    f" the DAG's timezone {tz}"
                )
            # Align to the times the trigger will fire, as the runner derives dates from.
            tz = schedules.CRON_TIMEZONE
            first = schedules.cron_at_or_after(cron, start, tz)
            trigger["cron"] = cron
            if how == schedules.INTERVAL_END:
                first = schedules.cron_after(cron, first, tz)
            elif how == schedules.INTERVAL_START:
                interval = schedules.regular_interval(cron, first, tz)
                assert interval is not None
                trigger["offset"] = format_duration(_seconds(interval))
            trigger["start"] = format_datetime(first)
            if end is not None and how == schedules.INTERVAL_END:
                end = schedules.cron_after(cron, end, tz)
        if end is not None:
            # Airflow's end_date is inclusive, a trigger's end exclusive.
            trigger["end"] = format_datetime(end.astimezone(UTC) + timedelta(seconds=1))
        return {key: trigger[key] for key in TRIGGER_KEYS if key in trigger}

    # The tasks.

    def env(self, how: str) -> list[str]:
        env = [f"{ENV_VERSION}={self.flavour}", f"{ENV_TIMING}={how}"]
        if self.dags_folder is not None:
            env.append(f"{ENV_DAGS_FOLDER}={self.dags_folder}")
        return env

    def retry(self, task: Any) -> dict[str, Any] | None:
        if task.retries <= 0:
            return None
        retry: dict[str, Any] = {
            "max_attempts": task.retries + 1,
            "delay": format_duration(int(task.retry_delay.total_seconds())),
        }
        backoff = task.retry_exponential_backoff
        if backoff:
            multiplier = 2.0 if backoff is True else float(backoff)
            if multiplier != 2.0:
                self.warn(
                    f"retry_exponential_backoff={backoff}: Waterwheel doubles the delay",
                    task.task_id,
                )
            cap = task.max_retry_delay or DEFAULT_MAX_RETRY_DELAY
            retry |= {"backoff": "exponential", "max_delay": format_duration(_seconds(cap))}
        return retry

    def check_task(self, task: Any) -> None:
        """Warn about every argument set to something Waterwheel does not do."""
        unsupported = {
            "depends_on_past": task.depends_on_past,
            "wait_for_downstream": task.wait_for_downstream,
            "pool": task.pool not in (None, "default_pool") and task.pool,
            "pool_slots": task.pool_slots != 1 and task.pool_slots,
            "priority_weight": task.priority_weight != 1 and task.priority_weight,
            "weight_rule": str(task.weight_rule) != "downstream" and task.weight_rule,
            "max_active_tis_per_dag": task.max_active_tis_per_dag,
            "max_active_tis_per_dagrun": task.max_active_tis_per_dagrun,
            "sla": task.sla,
            "executor": task.executor,
            "executor_config": task.executor_config,
            "run_as_user": task.run_as_user,
            "resources": task.resources,
            "inlets": task.inlets,
            "outlets": task.outlets,
        }
        for name, value in unsupported.items():
            if value:
                self.warn(f"{name}={_shown(value)} is not supported and is ignored", task.task_id)
        if task.email and (task.email_on_failure or task.email_on_retry):
            self.warn("email notifications are not sent", task.task_id)
        for name in ("start_date", "end_date"):
            own = getattr(task, name)
            if own is not None and own != getattr(self.dag, name):
                self.warn(f"a task's own {name} is ignored (the DAG's applies)", task.task_id)
        if not task.runs_in_container:
            callbacks = [
                name
                for name in ("on_execute_callback", "on_success_callback", "on_skipped_callback")
                if getattr(task, name)
            ]
            if callbacks:
                self.warn(
                    f"{', '.join(callbacks)} never run: {task.task_type} becomes a no-op task",
                    task.task_id,
                )

    def task(self, task: Any, env: list[str], trigger: dict[str, Any] | None) -> dict[str, Any]:
        self.check_task(task)
        order = {task_id: i for i, task_id in enumerate(self.dag.task_ids)}
        upstream = sorted(task.upstream_task_ids, key=order.__getitem__)
        if upstream:
            depends = [f"task/{name}" for name in upstream]
        else:
            depends = [f"trigger/{TRIGGER_NAME}"] if trigger else []
        rule = str(task.trigger_rule)
        document: dict[str, Any] = {"name": task.task_id, "docker": None}
        if task.runs_in_container:
            document["docker"] = {
                "image": self.image,
                "command": RUNNER_COMMAND,
                "args": [self.dag.fileloc, self.dag.dag_id, task.task_id],
                "env": env,
            }
            document["skip_exit_code"] = SKIP_EXIT_CODE
            document["fail_exit_code"] = FAIL_EXIT_CODE
            document["project_stash_write"] = [VARIABLE_PREFIX]
        document |= {"depends": depends, "trigger_rule": RULE_ALIASES.get(rule, rule)}
        retry = self.retry(task)
        if retry:
            document["retry"] = retry
        if task.execution_timeout is not None:
            document["timeout"] = format_duration(_seconds(task.execution_timeout))
        if task.queue and task.queue != "default":
            document["queue"] = task.queue
        return document

    # The job.

    def check_dag(self) -> None:
        dag = self.dag
        unsupported = {
            "max_active_runs": dag.max_active_runs != 16 and dag.max_active_runs,
            "max_active_tasks": dag.max_active_tasks != 16 and dag.max_active_tasks,
            "dagrun_timeout": dag.dagrun_timeout,
            "on_success_callback": dag.on_success_callback,
            "on_failure_callback": dag.on_failure_callback,
            "sla_miss_callback": dag.sla_miss_callback,
            "fail_stop": dag.fail_stop,
            "max_consecutive_failed_dag_runs": dag.max_consecutive_failed_dag_runs,
            "deadline": dag.deadline,
        }
        for name, value in unsupported.items():
            if value:
                self.warn(f"{name}={_shown(value)} is not supported and is ignored")

    def translate(self) -> Translation:
        dag = self.dag
        self.check_dag()
        schedule = self.schedule()
        how = schedules.timing(schedule, self.flavour, dag.start_date, schedules.CRON_TIMEZONE)
        trigger = self.trigger(schedule, how)
        env = self.env(how)
        paused = dag.is_paused_upon_creation
        document = {
            "uuid": job_uuid(self.project, dag.dag_id),
            "project": self.project,
            "name": dag.dag_id,
            "description": dag.description or "",
            "paused": True if paused is None else bool(paused),  # dags_are_paused_at_creation
            "triggers": [trigger] if trigger else [],
            "tasks": [self.task(task, env, trigger) for task in dag.tasks],
            "airflow": _jsonable(
                {
                    "version": self.flavour,
                    "dag_id": dag.dag_id,
                    "fileloc": dag.fileloc,
                    "timing": how,
                    "catchup": self.catchup(),
                    "tags": dag.tags,
                    "owners": sorted({task.owner for task in dag.tasks}),
                    "doc_md": dag.doc_md,
                    "params": dag.params.dump(),
                }
            ),
        }
        return Translation(dag.dag_id, document, self.warnings)


def translate(
    dag: Any,
    *,
    project: str,
    flavour: str,
    image: str = DEFAULT_IMAGE,
    dags_folder: Path | None = None,
) -> Translation:
    """The job document of ``dag`` for Airflow ``flavour`` ("2" or "3").

    The runner's container must see the DAG file at the path the loader read
    it from (mount or bake the DAG folder at the same path; the local engine
    runs on the host, where it is). ``dags_folder`` is put on the runner's
    ``sys.path`` so DAG files can import their sibling modules.
    """
    return _Translator(dag, project, flavour, image, dags_folder).translate()
