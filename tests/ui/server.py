"""A real ``waterwheel standalone`` for the UI tests, and the jobs it runs.

``python -m tests.ui.server`` starts one with the same jobs and keeps it
running, to look at the UI by hand (Ctrl-C stops it).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

PROJECT = "ui-demo"
LIVE = "live pipeline"
PAUSABLE = "pausable"
MANUAL = "manual"
BIG_LOG = "big log"
DOWNSTREAM = "downstream"

LIVE_PERIOD = 3  # seconds between trigger times of the live job
PAUSABLE_PERIOD = 2
LOG_LINES = 30  # lines the live job's first task writes, one every 0.3 s
BIG_LINES = 100_000
NO_CATCHUP = {"catchup": "none"}
STASH_VALUE = b"hunter2-never-shown"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bash(script: str) -> dict[str, Any]:
    """A task that runs a bash script (on the host, under the local engine)."""
    return {"image": "bash", "args": ["-c", script]}


class Standalone:
    """``waterwheel standalone`` as a subprocess on a free port and a fresh SQLite file."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "standalone.log"
        self.process: subprocess.Popen | None = None
        self.http = requests.Session()

    def start(self, timeout: float = 30) -> Standalone:
        env = os.environ | {
            "WATERWHEEL_SERVER_BIND": f"127.0.0.1:{self.port}",
            "WATERWHEEL_DB_URL": f"sqlite:///{self.workdir / 'ww.db'}",
            "WATERWHEEL_LOG": "warn,waterwheel=info",
        }
        for name in ("WATERWHEEL_AMQP_ADDR", "WATERWHEEL_REDIS_URL", "WATERWHEEL_TASK_ENGINE"):
            env.pop(name, None)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "waterwheel", "standalone"],
            env=env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"standalone exited: {self.log_path.read_text()[-3000:]}")
            try:
                if self.http.get(f"{self.base}/healthcheck", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"standalone not healthy in {timeout}s: {self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def call(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        response = self.http.request(method, f"{self.base}{path}", json=body, timeout=10)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.text)
        elif response.status_code >= 400:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")
        if not response.content:
            return None
        return response.json()


@dataclass
class Seeded:
    project_id: str
    jobs: dict[str, str] = field(default_factory=dict)  # name -> id
    tasks: dict[str, dict[str, str]] = field(default_factory=dict)  # job -> task -> id
    big_run: str | None = None  # task run id of the 100,000-line log
    big_at: str | None = None


class Ui:
    """The running server, what was seeded into it, and what tests call it with."""

    def __init__(self, server: Standalone, seeded: Seeded) -> None:
        self.server = server
        self.seeded = seeded
        self.base = server.base

    def job(self, name: str) -> str:
        return self.seeded.jobs[name]

    def task(self, job: str, task: str) -> str:
        return self.seeded.tasks[job][task]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return self.server.call(method, path, body)


def _job(name: str, description: str, triggers: list, tasks: list) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "project": PROJECT,
        "name": name,
        "description": description,
        "paused": False,
        "triggers": triggers,
        "tasks": tasks,
    }


def seed(server: Standalone) -> Seeded:
    """A project with a stash and five jobs: a live pipeline, a job to pause, one
    that only runs when activated, a 100,000-line log, and one fed by another job."""
    saved = server.call(
        "POST",
        "/api/projects",
        {"name": PROJECT, "description": "Jobs the UI tests watch"},
    )
    project_id = saved["uuid"]
    for key in ("db_password", "api_token"):
        server.http.put(f"{server.base}/api/projects/{project_id}/stash/{key}", data=STASH_VALUE)
    start = iso(datetime.now(UTC) - timedelta(seconds=5))
    live_script = f'for i in $(seq 1 {LOG_LINES}); do echo "extract line $i"; sleep 0.3; done'
    jobs = [
        _job(
            LIVE,
            "Extracts, transforms and loads every few seconds",
            [{"name": "every3s", "start": start, "period": f"{LIVE_PERIOD}s", **NO_CATCHUP}],
            [
                {"name": "extract", "docker": bash(live_script), "depends": ["trigger/every3s"]},
                {
                    "name": "transform",
                    "docker": bash("echo transforming; sleep 0.5; echo transformed"),
                    "depends": ["task/extract"],
                },
                {"name": "load", "docker": bash("echo loaded"), "depends": ["task/transform"]},
                {"name": "report_failure", "depends_failure": ["task/transform"]},
            ],
        ),
        _job(
            PAUSABLE,
            "A quick job that the tests pause",
            [{"name": "every2s", "start": start, "period": f"{PAUSABLE_PERIOD}s", **NO_CATCHUP}],
            [{"name": "tick", "docker": bash("echo tick"), "depends": ["trigger/every2s"]}],
        ),
        _job(
            MANUAL,
            "No trigger: runs when activated",
            [],
            [
                {"name": "hello", "docker": bash("echo hello; sleep 1; echo bye")},
                {"name": "flaky", "docker": bash("echo about to fail; exit 3")},
            ],
        ),
        _job(
            BIG_LOG,
            "A task that writes a very long log",
            [],
            [{"name": "flood", "docker": bash(f"seq 1 {BIG_LINES} | sed 's/^/log line /'")}],
        ),
        _job(
            DOWNSTREAM,
            "Fed by the live pipeline's load task",
            [],
            [
                {
                    "name": "consume",
                    "docker": bash("echo consumed"),
                    "depends": [f"{LIVE}/task/load"],
                },
            ],
        ),
    ]
    seeded = Seeded(project_id=project_id)
    for doc in jobs:
        server.call("POST", "/api/jobs", doc, expect=201)
        seeded.jobs[doc["name"]] = doc["uuid"]
        tasks = server.call("GET", f"/api/jobs/{doc['uuid']}/tasks")
        seeded.tasks[doc["name"]] = {t["name"]: t["task_id"] for t in tasks}
    # The long log: run it now, so that it has finished when a test opens it.
    seeded.big_at = iso(datetime(2025, 1, 1, tzinfo=UTC))
    flood = seeded.tasks[BIG_LOG]["flood"]
    server.call("PUT", f"/api/tasks/{flood}/tokens/{seeded.big_at}", {}, expect=201)
    return seeded


def wait_for(check, timeout: float = 30, interval: float = 0.25, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="waterwheel-ui-"))
    server = Standalone(workdir).start()
    seeded = seed(server)
    print(f"Waterwheel UI at {server.base}/ (project {seeded.project_id}); Ctrl-C stops it")
    try:
        while server.process and server.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
