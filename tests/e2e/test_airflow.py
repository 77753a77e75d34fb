"""Airflow DAG files of the compat corpus, translated, deployed through the API
and run end to end: on the embedded default (the local engine runs the compat
runner on the host) and, for a subset, on the real services with the Docker
engine (the runner and the DAG files in an image): states, skips, branches, XCom
passed between tasks, params, Variables and rendered templates, as Airflow
would have them."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import croniter
import dateutil
import docker
import jinja2
import markupsafe
import pytest
import six

import waterwheel
from tests.conftest import service_missing
from tests.e2e.stack import Stack, wait_for
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


def run_dag(
    stack: Stack, name: str, conf: dict | None = None, image: str | None = None
) -> tuple[str, str, dict[str, str]]:
    """Deploy the DAG file's DAG unpaused, trigger it, wait for every task to end."""
    with shim_imports(DAGS):
        result = load_file(DAGS / f"{name}.py")
    (dag,) = result.dags
    options = {"image": image} if image else {}
    document = translate(
        dag, project="airflow", flavour=result.flavour, dags_folder=DAGS, **options
    ).document
    document["paused"] = False
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
    _, _, skips = run_dag(airflow_stack, "v2_skip")
    assert skips["skip"] == skips["bash_99"] == skips["bash_custom"] == "skipped"
    assert skips["crash"] == skips["bash_fail"] == "failure"
    assert skips["fail"] == "retry"  # AirflowFailException still retries here (see the guide)


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


def test_context_of_an_airflow_2_manual_run(airflow_stack):
    job, at, states = run_dag(airflow_stack, "v2_python_context")
    assert set(states.values()) == {"success"}
    day = at[:10]
    greeting = log_of(airflow_stack, job, at, "greet")
    assert f"hello ada on {day} as greet; rendered={day.replace('-', '')}" in greeting


def airflow_image() -> str:
    """waterwheel-test/python:1 plus this checkout's runner, with the Jinja it
    renders with and the croniter it reads Airflow 2 crons with, and the DAG
    files at the path they have here, as the guide asks: the runner reads the
    DAG file at the path the loader read it from."""
    tag = "waterwheel-test/airflow:e2e"
    site = "/usr/local/lib/python3.11/dist-packages"
    with tempfile.TemporaryDirectory() as context:
        root = Path(context)
        (root / "site").mkdir()
        for module in (waterwheel, jinja2, markupsafe, croniter, dateutil, six):
            source = Path(module.__file__)
            if source.name == "__init__.py":
                shutil.copytree(source.parent, root / "site" / source.parent.name, ignore=_CACHES)
            else:
                shutil.copy(source, root / "site" / source.name)
        shutil.copytree(DAGS, root / "dags", ignore=_CACHES)
        (root / "Dockerfile").write_text(
            f"FROM waterwheel-test/python:1\nCOPY site {site}/\nCOPY dags {DAGS}/\n"
        )
        docker.from_env().images.build(path=context, tag=tag, rm=True)
    return tag


_CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")


@pytest.fixture
def docker_airflow_stack(services):
    try:
        image = airflow_image()
    except docker.errors.DockerException as exc:
        service_missing(f"Docker with waterwheel-test/python:1 ({exc})", "scripts/services.sh")
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
