"""A whole Waterwheel in the test process: API server, scheduler and worker,
on the embedded default (SQLite, in-process broker, logs in the database) or
on the real services (PostgreSQL, RabbitMQ, Redis), with helpers to drive it
through the public API the way a user would."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

from tests.helpers import HMAC_SECRET
from waterwheel.api import create_app
from waterwheel.auth.tokens import TokenKeys
from waterwheel.broker.client import Broker
from waterwheel.broker.publisher import BrokerPublisher
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.metrics import Metrics
from waterwheel.scheduler.service import Scheduler
from waterwheel.worker.service import Worker

# Short clocks so lost workers, retries and heartbeats show within seconds.
FAST = {
    "task_heartbeat": 1,
    "requeue_interval": 1,
    "requeue_missed_heartbeats": 3,
    "default_task_retry_delay": 1,
    "scheduler_heartbeat": 1,
    "max_tasks": 4,
}


def embedded_settings(tmp_path) -> tuple[Settings, Database]:
    db = Database(f"sqlite:///{tmp_path}/waterwheel.db")
    settings = Settings(
        db_url=db.url,
        amqp_addr="memory://",
        redis_url=None,
        task_engine="local",
        hmac_secret=HMAC_SECRET,
        no_authz=True,
        **FAST,
    )
    return settings, db


class Stack:
    def __init__(self, settings: Settings, db: Database, with_worker: bool = True) -> None:
        self.db = db
        self.broker = Broker(settings.amqp_addr)
        self.app = create_app(settings, db=db, publisher=BrokerPublisher(self.broker))
        self.http = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.http.port}"
        self.settings = dataclasses.replace(settings, server_addr=self.url + "/")
        self.metrics = Metrics.from_settings(settings)
        self.scheduler: Scheduler | None = None
        self.worker: Worker | None = None
        self.session = requests.Session()
        self.start_scheduler()
        if with_worker:
            self.start_worker()

    # Processes.

    def start_scheduler(self) -> Scheduler:
        self.scheduler = Scheduler(self.settings, self.db, self.broker, self.metrics).start()
        return self.scheduler

    def stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
            self.scheduler = None

    def start_worker(self, **overrides: Any) -> Worker:
        settings = dataclasses.replace(self.settings, **overrides)
        keys = TokenKeys.from_settings(settings)
        # As ``waterwheel standalone`` does, the embedded worker calls the API in process.
        in_process = self.app if settings.amqp_addr.startswith("memory://") else None
        self.worker = Worker(settings, self.broker, keys, self.metrics, api_app=in_process).start()
        return self.worker

    def worker_process(self, **env: str) -> subprocess.Popen:
        """A worker in its own process (``waterwheel worker``), to be killed for real."""
        environ = os.environ | self.settings.to_env() | env
        return subprocess.Popen(
            [sys.executable, "-m", "waterwheel", "worker"],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.stop_scheduler()
        self.http.shutdown()
        self.broker.close()

    # The public API.

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.session.request(method, self.url + path, timeout=30, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        if response.headers.get("Content-Type", "").startswith("application/json"):
            return response.json()
        return response.content

    def project(self, name: str = "e2e") -> str:
        return self.call("POST", "/api/projects", 201, json={"name": name, "description": ""})[
            "uuid"
        ]

    def job(self, name: str, tasks: list[dict], triggers: list[dict] | None = None, **extra) -> str:
        job_id = str(uuid.uuid4())
        document = {
            "uuid": job_id,
            "project": "e2e",
            "name": name,
            "description": name,
            "triggers": triggers or [],
            "tasks": tasks,
            **extra,
        }
        self.call("POST", "/api/jobs", 201, json=document)
        return job_id

    def task_ids(self, job_id: str) -> dict[str, str]:
        return {t["name"]: t["task_id"] for t in self.call("GET", f"/api/jobs/{job_id}/tasks")}

    def activate(self, task_id: str, at: str) -> None:
        self.call("PUT", f"/api/tasks/{task_id}/tokens/{at}", 201, json={})

    def runs(self, job_id: str, at: str) -> list[dict]:
        return self.call("GET", f"/api/jobs/{job_id}/runs/{at}")

    def states(self, job_id: str, at: str) -> dict[str, str]:
        """Each task's token state at a trigger time."""
        return {
            t["task_name"]: t["state"] for t in self.call("GET", f"/api/jobs/{job_id}/tokens/{at}")
        }

    def log(self, task_run_id: str) -> list[str]:
        return [
            line["line"] for line in self.call("GET", f"/api/task_runs/{task_run_id}/log")["lines"]
        ]


def wait_for(check: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


# busybox under Docker; under the local engine the image name maps to the host's sh.
IMAGE = "waterwheel-test/busybox:1"


def shell(script: str) -> dict[str, Any]:
    """A task running a shell script, the same on both engines."""
    return {"image": IMAGE, "args": ["-c", script]}


REPO = Path(__file__).resolve().parents[2]
