"""``waterwheel standalone``: one command, no services, jobs run; Ctrl-C or a
crash loses nothing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.stack import shell, wait_for
from waterwheel.compat.loader import load_file, shim_imports
from waterwheel.compat.translate import translate
from waterwheel.states import FINAL_STATES

T = "2025-01-01T00:00:00Z"
DAGS = Path(__file__).resolve().parents[1] / "compat" / "dags"
FAST_CLOCKS = {
    "WATERWHEEL_TASK_HEARTBEAT": "1s",
    "WATERWHEEL_REQUEUE_INTERVAL": "1s",
    "WATERWHEEL_SCHEDULER_HEARTBEAT": "1s",
}


class Standalone:
    def __init__(self, workdir: Path, **env: str) -> None:
        environ = (
            {k: v for k, v in os.environ.items() if not k.startswith("WATERWHEEL_")}
            | {"WATERWHEEL_SERVER_BIND": "127.0.0.1:0"}
            | env
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "waterwheel", "standalone"],
            cwd=workdir,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        self.url = wait_for(self._api_url, timeout=60, what="the API address to be printed")

    def _api_url(self) -> str | None:
        line = self.process.stdout.readline()
        self.output.append(line)
        if not line and self.process.poll() is not None:
            raise AssertionError("standalone exited:\n" + "".join(self.output))
        match = re.search(r"API:\s+(http://\S+)/api/", line)
        return match.group(1) if match else None

    def call(self, method: str, path: str, expect: int = 200, **kwargs):
        response = requests.request(method, self.url + path, timeout=30, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def stop(self, signum: int = signal.SIGINT) -> int:
        self.process.send_signal(signum)
        code = self.process.wait(timeout=60)
        # Read through the same buffered file as readline did (communicate would not).
        self.output.append(self.process.stdout.read())
        return code


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Standalone]]:
    """Starts ``waterwheel standalone`` in ``tmp_path``; kills what a failed test left running."""
    started: list[Standalone] = []

    def start(**env: str) -> Standalone:
        started.append(Standalone(tmp_path, **env))
        return started[-1]

    yield start
    for app in started:
        if app.process.poll() is None:
            app.process.kill()
            app.process.wait()


def deploy(app: Standalone, script: str) -> tuple[str, str]:
    app.call("POST", "/api/projects", 201, json={"name": "demo", "description": ""})
    job_id = "5f3c2a1e-0000-4000-8000-00000000000a"
    document = {
        "uuid": job_id,
        "project": "demo",
        "name": "hello",
        "description": "",
        "triggers": [],
        "tasks": [{"name": "hello", "docker": shell(script)}],
    }
    app.call("POST", "/api/jobs", 201, json=document)
    (task,) = app.call("GET", f"/api/jobs/{job_id}/tasks")
    return job_id, task["task_id"]


def runs(app: Standalone, job_id: str) -> list[dict]:
    return app.call("GET", f"/api/jobs/{job_id}/runs/{T}")


def test_a_job_runs_with_no_services_and_ctrl_c_stops_cleanly(start, tmp_path):
    app = start()
    started = time.monotonic()
    job_id, task_id = deploy(app, "echo hello from standalone")
    app.call("PUT", f"/api/tasks/{task_id}/tokens/{T}", 201, json={})
    (run,) = wait_for(
        lambda: [r for r in runs(app, job_id) if r["state"] == "success"], what="success"
    )
    assert time.monotonic() - started < 10
    log = app.call("GET", f"/api/task_runs/{run['task_run_id']}/log")
    assert [line["line"] for line in log["lines"]] == ["hello from standalone"]
    assert app.stop() == 0
    output = "".join(app.output)
    assert f"database: {tmp_path / 'waterwheel.db'}" in output, output
    assert "engine:   local" in output
    assert output.rstrip().endswith("stopped")


def test_ctrl_c_hands_back_running_and_queued_runs(start):
    # The default clocks (60 s heartbeats): nothing waits for a run to go silent.
    one_slot = {"WATERWHEEL_MAX_TASKS": "1"}
    app = start(**one_slot)
    app.call("POST", "/api/projects", 201, json={"name": "demo", "description": ""})
    job_id = "5f3c2a1e-0000-4000-8000-00000000000b"
    task = {"docker": shell("echo started; sleep 3; echo finished")}
    document = {
        "uuid": job_id,
        "project": "demo",
        "name": "two",
        "description": "",
        "triggers": [],
        "tasks": [{"name": "a"} | task, {"name": "b"} | task],
    }
    app.call("POST", "/api/jobs", 201, json=document)
    for listed in app.call("GET", f"/api/jobs/{job_id}/tasks"):
        app.call("PUT", f"/api/tasks/{listed['task_id']}/tokens/{T}", 201, json={})
    running, waiting = wait_for(
        lambda: (
            len(rs := runs(app, job_id)) == 2
            and any(r["state"] == "running" for r in rs)
            and sorted(rs, key=lambda r: r["state"] != "running")
        ),
        what="one run running and one queued",
    )
    assert (running["state"], waiting["state"]) == ("running", "active")
    assert app.stop() == 0
    output = "".join(app.output)
    assert f"task run {running['task_run_id']} is handed back" in output, output
    assert "Traceback" not in output and " ERROR " not in output, output

    again = start(**one_slot)
    final = wait_for(
        lambda: (
            (rs := runs(again, job_id))
            and all(r["state"] != "active" for r in rs)
            and len([r for r in rs if r["state"] == "success"]) == 2
            and rs
        ),
        what="both runs done",
    )
    attempts = sorted((r["name"], r["attempt"], r["state"]) for r in final)
    first, second = sorted((running["name"], waiting["name"]))
    expected = {
        running["name"]: [(running["name"], 1, "error"), (running["name"], 2, "success")],
        waiting["name"]: [(waiting["name"], 1, "success")],
    }
    assert attempts == expected[first] + expected[second]
    (interrupted,) = [r for r in final if r["state"] == "error"]
    assert interrupted["message"].startswith("interrupted: worker ")
    assert again.stop() == 0


def test_killed_mid_task_the_run_is_run_again(start):
    app = start(**FAST_CLOCKS)
    job_id, task_id = deploy(app, "echo started; sleep 2; echo finished")
    app.call("PUT", f"/api/tasks/{task_id}/tokens/{T}", 201, json={})
    wait_for(lambda: [r for r in runs(app, job_id) if r["state"] == "running"], what="running")
    app.process.kill()
    app.process.wait()

    again = start(**FAST_CLOCKS)
    final = wait_for(
        lambda: (rs := runs(again, job_id)) and rs[-1]["state"] == "success" and rs,
        what="the re-run",
    )
    assert [(r["attempt"], r["state"]) for r in final] == [(1, "error"), (2, "success")]
    assert "stopped sending heartbeats" in final[0]["message"]
    assert again.stop() == 0


def test_airflow_tasks_run_in_the_interpreter_running_waterwheel(start, tmp_path):
    """Started by its full path with its bin folder off PATH (as a service
    manager starts a virtual environment's Waterwheel), standalone still runs
    the Airflow runner with its own Python, not the first python3 on PATH."""
    decoys = tmp_path / "decoys"
    decoys.mkdir()
    for name in ("python", "python3"):
        decoy = decoys / name
        decoy.write_text(
            '#!/bin/sh\necho "decoy $0: not the Python running Waterwheel" >&2\nexit 3\n'
        )
        decoy.chmod(0o755)
    assert Path(sys.executable).parent.as_posix() not in ("/usr/bin", "/bin")
    app = start(PATH=f"{decoys}:/usr/bin:/bin")
    app.call("POST", "/api/projects", 201, json={"name": "airflow", "description": ""})
    with shim_imports(DAGS):
        (dag,) = load_file(DAGS / "v3_taskflow.py").dags
    document = translate(dag, project="airflow", flavour="3", dags_folder=DAGS).document
    document |= {"paused": False, "triggers": []}
    for task in document["tasks"]:
        task["depends"] = [d for d in task["depends"] if not d.startswith("trigger/")]
    app.call("POST", "/api/jobs", 201, json=document)
    job_id = document["uuid"]
    at = app.call("POST", f"/api/jobs/{job_id}/trigger", 201, json={})["trigger_datetime"]
    names = {t["name"] for t in app.call("GET", f"/api/jobs/{job_id}/tasks")}

    def ended() -> dict[str, str] | None:
        states = {r["name"]: r["state"] for r in app.call("GET", f"/api/jobs/{job_id}/runs/{at}")}
        return states if set(states) == names and set(states.values()) <= FINAL_STATES else None

    states = wait_for(ended, timeout=90, what="every task of v3_taskflow to end")
    assert set(states.values()) == {"success"}, states
    (show,) = [r for r in app.call("GET", f"/api/jobs/{job_id}/runs/{at}") if r["name"] == "show"]
    lines = [
        line["line"]
        for line in app.call("GET", f"/api/task_runs/{show['task_run_id']}/log")["lines"]
    ]
    assert "show 3 from show" in lines, lines
