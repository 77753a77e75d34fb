"""The compat runner as a real subprocess against a real API: rendered
templates, XComs in the job stash, Variables and Connections (and their
environment overrides), branch decisions, and the exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from .compat_support import REPO

SKIPPED, FAILED, FAILED_FOR_GOOD = 99, 1, 98


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def xcom(run, task: str, key: str = "return_value"):
    data = run.job_stash(f"xcom.{task}.{key}")
    return None if data is None else json.loads(data)


def decision(run, task: str):
    data = run.job_stash(f"_decision.{task}")
    return None if data is None else json.loads(data)


def put_stash(server, path: str, value: str) -> None:
    requests.put(server.url(path), data=value.encode(), timeout=10).raise_for_status()


def test_airflow2_templates_context_and_bash_xcom(run_of) -> None:
    run = run_of("v2_bash_daily")
    out = ok(run.run("show"))
    assert out.strip() == (
        "ds=2024-03-05 ts=2024-03-05T00:00:00+00:00 nodash=20240305"
        " start=2024-03-05T00:00:00+00:00 end=2024-03-06T00:00:00+00:00"
        " prev=2024-03-04 next=2024-03-06 exec=2024-03-05T00:00:00+00:00"
        " run=scheduled__2024-03-05T00:00:00+00:00 key=v2_bash_daily__show__20240305 try=1"
        " params=world ctx=v2_bash_daily/show"
    )
    assert xcom(run, "show") == out.strip()
    ok(run.run("last_line"))
    assert xcom(run, "last_line") == "second"


def test_airflow2_weekday_cron_derives_the_logical_date(run_of) -> None:
    run = run_of("v2_cron_weekdays", "2024-03-11T06:00:00Z")  # a Monday: Friday's interval
    assert ok(run.run("dates")).strip() == (
        "logical=2024-03-08T06:00:00+00:00"
        " start=2024-03-08T06:00:00+00:00 end=2024-03-11T06:00:00+00:00"
    )


def test_airflow3_cron_run_is_its_trigger_time(run_of) -> None:
    run = run_of("v3_cron", "2024-01-02T09:30:00Z")
    assert ok(run.run("dates")).strip() == (
        "logical=2024-01-02T09:30:00+00:00 start=2024-01-02T09:30:00+00:00"
        " end=2024-01-02T09:30:00+00:00 run=scheduled__2024-01-02T09:30:00+00:00"
    )


def test_python_callables_get_op_args_templates_and_context(run_of) -> None:
    run = run_of("v2_python_context")
    assert "hello ada on 2024-03-05 as greet; rendered=20240305" in ok(run.run("greet"))
    assert xcom(run, "greet") == {"greeting": "hello", "name": "ada"}
    out = ok(run.run("everything"))
    assert "keys: ['dag_run', 'ds', 'next_ds', 'params', 'ti']" in out
    assert "manual: False conf: {}" in out


def test_a_manual_run_reads_its_conf_over_params(run_of) -> None:
    run = run_of("v2_manual", "2024-03-05T10:15:00Z")
    run.put_job_stash("_conf", json.dumps({"table": "users"}).encode())
    assert ok(run.run("load")).strip() == (
        # bash drops the quotes of the rendered dict
        "table=users limit=10 conf={table: users} run=manual__2024-03-05T10:15:00+00:00"
    )


def test_airflow3_params_conf_and_dag_arguments(run_of) -> None:
    run = run_of("v3_params", "2024-03-06T00:00:00Z")
    assert "size=5 label=small region=eu" in ok(run.run("show"))
    run = run_of("v3_params", "2024-03-07T00:00:00Z")
    run.put_job_stash("_conf", b'{"size": 7, "region": "us"}')
    out = ok(run.run("show"))
    assert "size=7 label=small region=us" in out
    assert "conf={'size': 7, 'region': 'us'}" in out


def test_xcom_push_pull_and_airflow2_defaults(run_of) -> None:
    run = run_of("v2_xcom")
    ok(run.run("push"))
    assert xcom(run, "push", "numbers") == [1, 2, 3]
    assert xcom(run, "push", "when") == {
        "__waterwheel_type__": "datetime",
        "value": "2024-01-02T03:04:05",
    }
    assert xcom(run, "push") == {"total": 6}
    assert "pulled=6" in ok(run.run("bash"))
    assert xcom(run, "bash") == "last-line"
    out = ok(run.run("pull"))
    assert "numbers [1, 2, 3]" in out
    assert "when datetime.datetime(2024, 1, 2, 3, 4, 5)" in out
    assert "return {'total': 6}" in out
    assert "any task [1, 2, 3]" in out  # Airflow 2: task_ids=None reads any task
    assert "list [{'total': 6}, 'last-line']" in out
    assert "missing None" in out


def test_airflow3_pull_without_task_ids_reads_only_the_calling_task(run_of) -> None:
    run = run_of("v3_exceptions")
    ok(run.run("producer"))
    out = ok(run.run("consumer"))
    assert "value produced" in out
    assert "own only None" in out
    assert "explicit from producer" in out
    assert run.run("skipper").returncode == SKIPPED


def test_taskflow_multiple_outputs_and_xcom_arguments(run_of) -> None:
    run = run_of("v2_taskflow")
    ok(run.run("extract"))
    assert (xcom(run, "extract", "orders"), xcom(run, "extract", "customers")) == (3, 2)
    assert xcom(run, "extract") == {"orders": 3, "customers": 2}
    ok(run.run("total"))
    assert xcom(run, "total") == 32
    assert "report 32 for 2024-03-05" in ok(run.run("report"))
    run = run_of("v3_taskflow")
    ok(run.run("numbers"))
    assert xcom(run, "numbers", "a") == 1  # inferred from the dict annotation
    ok(run.run("add"))
    ok(run.run("add_again"))
    assert xcom(run, "add_again") == 13
    assert "show 13 from show__1" in ok(run.run("show__1"))


def test_bash_decorator(run_of) -> None:
    run = run_of("v3_bash_decorator")
    ok(run.run("name"))
    assert "hello waterwheel on 2024-03-05" in ok(run.run("greet"))
    assert "colour=blue dag=v3_bash_decorator" in ok(run.run("colour"))


def test_branch_decisions(run_of) -> None:
    run = run_of("v2_branch", "2024-03-05T03:00:00Z")  # a Tuesday
    ok(run.run("branch"))
    assert decision(run, "branch") == {"followed": ["weekday", "report", "join"]}
    assert xcom(run, "branch") == "weekday"
    run = run_of("v2_branch", "2024-03-09T03:00:00Z")  # a Saturday
    ok(run.run("branch"))
    assert decision(run, "branch") == {"followed": ["weekend", "join"]}


def test_branch_to_a_group_and_short_circuit_decorators(run_of) -> None:
    run = run_of("v3_branch_decorator", "2024-03-05T00:00:00Z")
    ok(run.run("pick"))
    assert decision(run, "pick") == {"followed": ["fast.first", "fast.second", "done"]}
    run = run_of("v3_branch_decorator", "2024-03-06T00:00:00Z")
    run.put_job_stash("_conf", b'{"route": "slow"}')
    ok(run.run("pick"))
    assert decision(run, "pick") == {"followed": ["slow", "done"]}
    ok(run.run("enabled"))
    assert decision(run, "enabled") == {"skip_downstream": "all"}


def test_short_circuit_operator(run_of) -> None:
    run = run_of("v2_short_circuit")
    ok(run.run("stop_all"))
    assert decision(run, "stop_all") == {"skip_downstream": "all"}
    ok(run.run("stop_direct"))
    assert decision(run, "stop_direct") == {"skip_downstream": "direct"}
    ok(run.run("go_on"))
    assert decision(run, "go_on") is None
    assert xcom(run, "go_on") == "yes"


def test_custom_operators_and_base_branch_operator(run_of) -> None:
    run = run_of("v3_classic", "2024-03-05T00:00:00Z")
    assert "Greeter says hi 2024-03-05" in ok(run.run("greet"))
    ok(run.run("pick"))
    assert decision(run, "pick") == {"followed": ["odd", "a", "b"]}


@pytest.mark.parametrize(
    ("task", "code", "message"),
    [
        ("skip", SKIPPED, "Task skipped: nothing to do today"),
        ("bash_99", SKIPPED, "Bash command returned exit code 99. Skipping."),
        ("bash_custom", SKIPPED, "Bash command returned exit code 42. Skipping."),
        ("fail", FAILED_FOR_GOOD, "AirflowFailException: bad input"),
        ("crash", FAILED, "ValueError: boom"),
        ("bash_fail", FAILED, "The command returned a non-zero exit code 3."),
    ],
)
def test_skips_and_failures_map_to_exit_codes(run_of, task: str, code: int, message: str) -> None:
    done = run_of("v2_skip").run(task)
    assert done.returncode == code, done.stdout + done.stderr
    assert message in done.stdout + done.stderr
    if code != SKIPPED:
        assert "Traceback (most recent call last)" in done.stderr


def test_variables_from_project_then_global_stash_and_env(run_of, server) -> None:
    run = run_of("v2_variables")
    project = f"api/projects/{run.job.project_id}/stash"
    put_stash(server, f"{project}/airflow.var.region", "us")
    put_stash(server, "api/stash/airflow.var.region", "global-region")
    put_stash(server, "api/stash/airflow.var.settings", '{"size": 3}')
    out = ok(run.run("read"))
    assert "region us" in out  # project before global
    assert "settings 3" in out  # global when the project has none
    assert "missing fallback" in out
    assert "missing raises KeyError" in out
    assert ok(run.run("template")).strip() == "us 3 dflt"
    assert "region from-env" in ok(run.run("read", AIRFLOW_VAR_REGION="from-env"))


WAREHOUSE = "postgresql://user:p%40ss@db.example.com:5432/analytics?sslmode=require"


def test_connections_from_stash_and_env(run_of, server) -> None:
    run = run_of("v2_connections")
    put_stash(server, f"api/projects/{run.job.project_id}/stash/airflow.conn.warehouse", WAREHOUSE)
    out = ok(run.run("show"))
    assert "conn postgres db.example.com user p@ss 5432 analytics" in out
    assert "extra {'sslmode': 'require'}" in out
    assert "uri postgres://user:p%40ss@db.example.com:5432/analytics?sslmode=require" in out
    assert ok(run.run("template")).strip() == "db.example.com:5432"
    env_conn = json.dumps(
        {"conn_type": "mysql", "host": "envhost", "port": 3306, "login": "u", "schema": "s"}
    )
    assert "conn mysql envhost u None 3306 s" in ok(
        run.run("show", AIRFLOW_CONN_WAREHOUSE=env_conn)
    )


def test_airflow3_variables_connections_and_writes(run_of, server) -> None:
    run = run_of("v3_variables_connections")
    put_stash(server, f"api/projects/{run.job.project_id}/stash/airflow.var.region", "us")
    put_stash(server, f"api/projects/{run.job.project_id}/stash/airflow.conn.warehouse", WAREHOUSE)
    out = ok(run.run("read"))
    assert "region us" in out and "default dflt" in out
    assert "absent raises AirflowRuntimeError" in out
    assert "conn db.example.com user analytics require" in out
    out = ok(run.run("write"))
    assert "kept value" in out and "added {'n': 1}" in out
    # The next task reads what this one set, and so does the project's owner.
    assert ok(run.run("template")).strip() == "us user value 1"
    stash = requests.get(server.url(f"api/projects/{run.job.project_id}/stash"), timeout=10)
    assert {"airflow.var.written", "airflow.var.fresh"} <= set(stash.json())


def test_jinja_rules(run_of) -> None:
    run = run_of("v3_templates")
    assert ok(run.run("macros")).strip() == (
        "plus=2024-03-08 fmt=05/03/2024 team=data shout=HI! filt=20240305"
    )
    assert ok(run.run("from_file")).strip() == "script for 2024-03-05 by data (v3_templates)"
    assert "type list [1, 2, 3]" in ok(run.run("native"))
    assert "type str [1, 2, 3]" in ok(run.run("text"))
    done = run.run("strict")
    assert done.returncode == FAILED
    assert "'no_such_name' is undefined" in done.stderr


def test_callbacks_and_hooks(run_of) -> None:
    run = run_of("v3_callbacks")
    lines = ok(run.run("ok")).splitlines()
    expected = ["pre ok", "executing ok", "body", "post result=None", "succeeded ok", "again ok"]
    assert [line for line in lines if line in expected] == expected
    first = run.run("retrying", attempt=1)
    assert first.returncode == FAILED and "retrying retrying" in first.stdout
    last = run.run("retrying", attempt=2)
    assert last.returncode == FAILED and "failed retrying" in last.stdout


def test_dag_folder_modules_are_importable(run_of) -> None:
    assert ok(run_of("v3_imports_sibling").run("greet")).strip() == "hello from a helper"


def test_an_invalid_token_fails_the_task_with_the_reason(run_of) -> None:
    done = run_of("v2_xcom").run("push", WATERWHEEL_JWT="not-a-token")
    assert done.returncode == FAILED
    assert "HTTP 401" in done.stderr


def test_an_unknown_task_fails(run_of) -> None:
    run = run_of("v2_bash_daily")
    env = run.env("show")
    args = [str(REPO / "tests/compat/dags/v2_bash_daily.py"), "v2_bash_daily", "nope"]
    done = subprocess.run(
        [sys.executable, "-m", "waterwheel.compat.runner", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == FAILED
    assert "no task 'nope' in DAG 'v2_bash_daily'" in done.stderr


CLEAN_IMPORTS = """
import runpy, sys
sys.argv = ["runner", *sys.argv[1:]]
try:
    runpy.run_module("waterwheel.compat.runner", run_name="__main__")
except SystemExit as exit:
    code = exit.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"flask", "sqlalchemy", "requests"})
print("exit", code, "heavy", heavy)
"""


def test_the_runner_imports_neither_flask_nor_sqlalchemy(run_of) -> None:
    run = run_of("v2_xcom")
    document = next(t for t in run.translation.document["tasks"] if t["name"] == "push")
    done = subprocess.run(
        [sys.executable, "-c", CLEAN_IMPORTS, *document["docker"]["args"]],
        env=run.env("push"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip().splitlines()[-1] == "exit 0 heavy []", done.stderr
