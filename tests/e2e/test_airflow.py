"""Airflow DAG files of the compat corpus, translated, deployed through the API
and run end to end: on the embedded default (the local engine runs the compat
runner on the host) and, for a subset, on the real services with the Docker
engine (the runner and the DAG files in an image): states, skips, branches, XCom
passed between tasks, params, Variables and rendered templates, as Airflow
would have them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docker
import pytest

from tests.e2e.stack import Stack, wait_for
from tests.services import service_missing
from waterwheel.compat.image import build_image
from waterwheel.compat.loader import load_file, shim_imports
from waterwheel.compat.translate import translate
from waterwheel.scheduler.rules import DONE

DAGS = Path(__file__).resolve().parents[1] / "compat" / "dags"


@pytest.fixture
def airflow_stack(embedded):
    running = Stack(*embedded)
    running.project_id = running.project("airflow")
    yield running
    running.stop()


def without_trigger(document: dict[str, Any]) -> None:
    """Only manual runs: a scheduled DAG deployed with its trigger would also
    back-fill every interval since its start date."""
    document["triggers"] = []
    for task in document["tasks"]:
        task["depends"] = [d for d in task["depends"] if not d.startswith("trigger/")]


def run_dag(
    stack: Stack, name: str, conf: dict | None = None, image: str | None = None
) -> tuple[str, str, dict[str, str]]:
    """Deploy the DAG file's DAG unpaused without its schedule, trigger it, wait
    for every task to end."""
    with shim_imports(DAGS):
        result = load_file(DAGS / f"{name}.py")
    (dag,) = result.dags
    options = {"image": image} if image else {}
    document = translate(
        dag, project="airflow", flavour=result.flavour, dags_folder=DAGS, **options
    ).document
    document["paused"] = False
    without_trigger(document)
    stack.call("POST", "/api/jobs", 201, json=document)
    job_id = document["uuid"]
    at = stack.call("POST", f"/api/jobs/{job_id}/trigger", 201, json={"conf": conf or {}})[
        "trigger_datetime"
    ]
    tasks = {t["name"] for t in stack.call("GET", f"/api/jobs/{job_id}/tasks")}

    def all_done():
        # "retry" counts as an end here: Airflow's default retry delay is minutes.
        states = stack.states(job_id, at)
        return states if set(states) == tasks and set(states.values()) <= DONE | {"retry"} else None

    return job_id, at, wait_for(all_done, timeout=90, what=f"every task of {name} to end")


def log_of(stack: Stack, job_id: str, at: str, task: str) -> list[str]:
    (run,) = [r for r in stack.runs(job_id, at) if r["name"] == task]
    return stack.log(run["task_run_id"])


def test_branch_skips_the_other_side_and_the_join_runs(airflow_stack):
    job, at, states = run_dag(airflow_stack, "v2_branch")
    chosen, other = (
        ("weekend", "weekday") if states["weekend"] == "success" else ("weekday", "weekend")
    )
    assert states["branch"] == states[chosen] == states["join"] == "success"
    assert states[other] == "skipped"
    assert states["report"] == ("success" if chosen == "weekday" else "skipped")


def test_taskflow_passes_xcom_between_tasks(airflow_stack):
    job, at, states = run_dag(airflow_stack, "v3_taskflow")
    assert set(states.values()) == {"success"}
    assert any("show 3 from show" in line for line in log_of(airflow_stack, job, at, "show"))
    assert any("show 13 from show__1" in line for line in log_of(airflow_stack, job, at, "show__1"))


def test_short_circuit_and_skip_exceptions(airflow_stack):
    _, _, circuit = run_dag(airflow_stack, "v2_short_circuit")
    assert circuit == {
        "stop_all": "success",
        "after_all": "skipped",
        "stop_direct": "success",
        "after_direct": "skipped",
        "go_on": "success",
        "after_go_on": "success",
    }
    job, at, skips = run_dag(airflow_stack, "v2_skip")
    assert skips["skip"] == skips["bash_99"] == skips["bash_custom"] == "skipped"
    assert skips["crash"] == skips["bash_fail"] == skips["fail"] == "failure"
    # AirflowFailException fails at once: one attempt, although the task has retries=2.
    (fail,) = [r for r in airflow_stack.runs(job, at) if r["name"] == "fail"]
    assert (fail["attempt"], fail["message"]) == (1, "exit code 98 (fail_exit_code: no retry)")


def test_xcom_push_pull_and_bash_templates(airflow_stack):
    job, at, states = run_dag(airflow_stack, "v2_xcom")
    assert set(states.values()) == {"success"}
    pulled = log_of(airflow_stack, job, at, "pull")
    assert "numbers [1, 2, 3]" in pulled
    assert "return {'total': 6}" in pulled
    assert "missing None" in pulled
    assert log_of(airflow_stack, job, at, "bash") == ["pulled=6", "last-line"]


def test_params_and_conf_of_a_manual_run(airflow_stack):
    job, at, states = run_dag(airflow_stack, "v3_params", conf={"size": 7})
    assert states == {"show": "success"}
    assert log_of(airflow_stack, job, at, "show")[:2] == [
        "size=7 label=small region=eu",
        "conf={'size': 7}",
    ]


def test_variables_come_from_the_project_stash(airflow_stack):
    project = airflow_stack.project_id
    for key, value in (("region", "us"), ("settings", '{"size": 3}')):
        airflow_stack.call(
            "PUT", f"/api/projects/{project}/stash/airflow.var.{key}", 201, data=value.encode()
        )
    job, at, states = run_dag(airflow_stack, "v2_variables")
    assert set(states.values()) == {"success"}
    assert log_of(airflow_stack, job, at, "read")[:4] == [
        "region us",
        "settings 3",
        "missing fallback",
        "missing raises KeyError",
    ]
    assert log_of(airflow_stack, job, at, "template") == ["us 3 dflt"]


def test_a_variable_set_by_a_task_is_read_by_the_next(airflow_stack):
    project = airflow_stack.project_id
    stash = f"/api/projects/{project}/stash"
    airflow_stack.call("PUT", f"{stash}/airflow.var.region", 201, data=b"us")
    conn = b"postgres://loader:s3cret@db.example:5432/dw"
    airflow_stack.call("PUT", f"{stash}/airflow.conn.warehouse", 201, data=conn)
    job, at, states = run_dag(airflow_stack, "v3_variables_connections")
    assert states == {"read": "success", "write": "success", "template": "success"}
    assert log_of(airflow_stack, job, at, "write")[:2] == ["kept value", "added {'n': 1}"]
    assert log_of(airflow_stack, job, at, "template") == ["us loader value 1"]
    listed = airflow_stack.call("GET", stash)
    assert {"airflow.var.written", "airflow.var.fresh"} <= set(listed)


def test_context_of_an_airflow_2_manual_run(airflow_stack):
    job, at, states = run_dag(airflow_stack, "v2_python_context")
    assert set(states.values()) == {"success"}
    day = at[:10]
    greeting = log_of(airflow_stack, job, at, "greet")
    assert f"hello ada on {day} as greet; rendered={day.replace('-', '')}" in greeting


def airflow_image() -> str:
    """The corpus DAGs' image, built as users build theirs (``waterwheel airflow
    image``) on waterwheel-test/python:1."""
    tag = "waterwheel-test/airflow:e2e"
    build_image(DAGS, tag, base="waterwheel-test/python:1")
    return tag


@pytest.fixture
def docker_airflow_stack(services):
    try:
        docker.from_env().images.get("waterwheel-test/python:1")
    except docker.errors.DockerException as exc:
        service_missing(f"Docker with waterwheel-test/python:1 ({exc})", "scripts/services.sh")
    image = airflow_image()
    running = Stack(*services)
    running.project("airflow")
    yield running, image
    running.stop()


def test_dags_run_in_containers_on_the_real_services(docker_airflow_stack):
    stack, image = docker_airflow_stack
    job, at, branch = run_dag(stack, "v2_branch", image=image)
    chosen = "weekend" if branch["weekend"] == "success" else "weekday"
    assert branch["branch"] == branch[chosen] == branch["join"] == "success"
    job, at, flow = run_dag(stack, "v3_taskflow", image=image)
    assert set(flow.values()) == {"success"}
    assert any("show 13 from show__1" in line for line in log_of(stack, job, at, "show__1"))
