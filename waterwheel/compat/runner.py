"""The in-container entry point of an Airflow task:
``python3 -m waterwheel.compat.runner DAG_FILE DAG_ID TASK_ID``.

It imports the DAG file again with the shim, builds Airflow's context for the
trigger time Waterwheel gives (``WATERWHEEL_TRIGGER_DATETIME``), renders the
task's templated fields and runs it, then says how it went by its exit code:

* 0: success (a branch or short-circuit decision is in the job stash under
  ``_decision.<task>`` before that);
* 99 (the job's ``skip_exit_code``): skipped (AirflowSkipException, a Bash
  exit code in ``skip_on_exit_code``);
* 98 (the job's ``fail_exit_code``): failed with no retry left
  (AirflowFailException, AirflowSensorTimeout), with the traceback printed;
* 1: failed, with the traceback printed.

Only the standard library, Jinja and (for Airflow 2 cron schedules) croniter
are needed; nothing here imports Flask or SQLAlchemy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from waterwheel.compat import loader, schedule, stash
from waterwheel.compat.context import DagRun, build_context, context_dates, run_id
from waterwheel.compat.contract import (
    ENV_DAGS_FOLDER,
    ENV_TIMING,
    ENV_VERSION,
    FAIL_EXIT_CODE,
    SKIP_EXIT_CODE,
)
from waterwheel.compat.taskinstance import TaskInstance
from waterwheel.compat.xcom import RETURN_VALUE
from waterwheel.stashkeys import CONF_KEY, DECISION_PREFIX

SUCCESS, FAILURE = 0, 1


def _call_callbacks(callbacks: Callable | list[Callable] | None, context: dict[str, Any]) -> None:
    """Run task callbacks; their errors are printed and change nothing, as in Airflow."""
    for callback in callbacks if isinstance(callbacks, list) else [callbacks]:
        if callback is None:
            continue
        try:
            callback(context)
        except Exception:
            print("callback failed:", file=sys.stderr)
            traceback.print_exc()


def _push_result(task: Any, ti: TaskInstance, result: Any) -> None:
    if result is None or not task.do_xcom_push:
        return
    if task.multiple_outputs:
        if not isinstance(result, dict) or not all(isinstance(k, str) for k in result):
            raise TypeError(
                f"Returned output was type {type(result).__name__}"
                " expected dictionary for multiple_outputs"
            )
        for key, value in result.items():
            ti.xcom_push(key, value)
    ti.xcom_push(RETURN_VALUE, result)


def execute(task: Any, context: dict[str, Any], client: stash.StashClient) -> int:
    """Run the task as Airflow does (render, pre_execute, on_execute, execute,
    post_execute, XCom, callbacks) and return the exit code."""
    from airflow.exceptions import (
        AirflowFailException,
        AirflowSensorTimeout,
        AirflowSkipException,
    )
    from airflow.utils.context import set_current_context
    from airflow.utils.operator_helpers import context_to_airflow_vars

    ti = context["ti"]
    try:
        with set_current_context(context):
            task.render_template_fields(context)
            os.environ.update(context_to_airflow_vars(context))
            task.pre_execute(context)
            _call_callbacks(task.on_execute_callback, context)
            result = task.execute(context)
            task.post_execute(context, result)
            _push_result(task, ti, result)
            if ti.decision is not None:
                key = DECISION_PREFIX + task.task_id
                client.put_job_value(key, json.dumps(ti.decision).encode())
    except AirflowSkipException as exc:
        print(f"Task skipped: {exc}", flush=True)
        _call_callbacks(task.on_skipped_callback, context)
        return SKIP_EXIT_CODE
    except Exception as exc:
        traceback.print_exc()
        context["exception"] = exc
        # As Airflow: these fail the task at once, whatever retries are left.
        fail_now = isinstance(exc, AirflowFailException | AirflowSensorTimeout)
        retries_left = ti.try_number <= task.retries and not fail_now
        callbacks = task.on_retry_callback if retries_left else task.on_failure_callback
        _call_callbacks(callbacks, context)
        return FAIL_EXIT_CODE if fail_now else FAILURE
    _call_callbacks(task.on_success_callback, context)
    return SUCCESS


def _conf(client: stash.StashClient) -> dict[str, Any] | None:
    """The conf of a manual run (its presence marks the run as manual)."""
    data = client.job_value(CONF_KEY)
    return None if data is None else json.loads(data or b"{}")


def prepare(dag: Any, task: Any, client: stash.StashClient) -> dict[str, Any]:
    """The context of this task's run, from the WATERWHEEL_* environment."""
    from airflow.models.param import ParamsDict

    flavour = os.environ.get(ENV_VERSION, "3")
    how = os.environ.get(ENV_TIMING, schedule.TRIGGER)
    trigger_time = datetime.fromisoformat(client.trigger_datetime)
    conf = _conf(client)
    manual = conf is not None
    dates = context_dates(
        schedule.run_dates(
            schedule.resolve(dag, flavour),
            flavour,
            how,
            trigger_time,
            manual,
            schedule.CRON_TIMEZONE,  # the trigger's, not the DAG's
        )
    )
    params = ParamsDict(dag.params)
    params.update(task.params)
    dag_run = DagRun(
        dag_id=dag.dag_id,
        run_id=run_id(manual, dates.logical_date),
        logical_date=dates.logical_date,
        data_interval_start=dates.data_interval_start,
        data_interval_end=dates.data_interval_end,
        run_after=dates.data_interval_end,
        run_type="manual" if manual else "scheduled",
        conf=conf or {},
        start_date=datetime.now(trigger_time.tzinfo),
    )
    attempt = int(os.environ.get("WATERWHEEL_ATTEMPT", "1"))
    ti = TaskInstance(task, dag_run.run_id, attempt, flavour, client)
    return build_context(
        task=task,
        ti=ti,
        dag_run=dag_run,
        dates=dates,
        params=params.resolve(conf),
        flavour=flavour,
    )


def run(dag_file: Path, dag_id: str, task_id: str) -> int:
    folder = Path(os.environ.get(ENV_DAGS_FOLDER) or dag_file.parent)
    os.environ.setdefault("AIRFLOW_HOME", str(folder.parent))
    with loader.shim_imports(folder):
        result = loader.load_file(dag_file, os.environ.get(ENV_VERSION))
        if result.error:
            print(result.traceback or "", file=sys.stderr)
            print(result.error, file=sys.stderr)
            return FAILURE
        dag = next((d for d in result.dags if d.dag_id == dag_id), None)
        if dag is None or not dag.has_task(task_id):
            what = f"task {task_id!r} in DAG {dag_id!r}" if dag else f"DAG {dag_id!r}"
            print(f"{dag_file}: no {what}", file=sys.stderr)
            return FAILURE
        task = dag.get_task(task_id)
        client = stash.StashClient.from_env()
        stash.activate(client)
        try:
            context = prepare(dag, task, client)
        except Exception:
            traceback.print_exc()
            return FAILURE
        return execute(task, context, client)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m waterwheel.compat.runner", description=__doc__
    )
    parser.add_argument("dag_file", type=Path)
    parser.add_argument("dag_id")
    parser.add_argument("task_id")
    args = parser.parse_args(argv)
    try:
        return run(args.dag_file, args.dag_id, args.task_id)
    except stash.StashError as exc:
        print(f"stash: {exc}", file=sys.stderr)
        return FAILURE


if __name__ == "__main__":
    sys.exit(main())
