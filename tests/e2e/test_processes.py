"""The production processes, each on its own: ``waterwheel api`` (gunicorn),
``scheduler`` and ``worker``, or ``server`` and ``worker``, on PostgreSQL,
RabbitMQ and Redis. A job runs through them and every process stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest
import requests

from tests.e2e.stack import shell, wait_for
from tests.helpers import HMAC_SECRET

T = "2025-01-01T00:00:00Z"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn(command: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "waterwheel", command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("layout", [("api", "scheduler", "worker"), ("server", "worker")])
def test_a_job_runs_through_the_production_processes(services, layout):
    settings, db = services
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATERWHEEL_")} | {
        "WATERWHEEL_DB_URL": settings.db_url,
        "WATERWHEEL_AMQP_ADDR": settings.amqp_addr,
        "WATERWHEEL_REDIS_URL": settings.redis_url,
        "WATERWHEEL_HMAC_SECRET": HMAC_SECRET,
        "WATERWHEEL_NO_AUTHZ": "true",
        "WATERWHEEL_SERVER_BIND": f"127.0.0.1:{port}",
        "WATERWHEEL_SERVER_ADDR": base + "/",
        "WATERWHEEL_TASK_ENGINE": "local",
    }
    processes = [spawn(command, env) for command in layout if command != "worker"]
    http = requests.Session()

    def healthy() -> bool:
        try:
            return http.get(base + "/healthcheck", timeout=1).ok
        except requests.RequestException:
            return False

    try:
        wait_for(healthy, timeout=60, what="the API")
        processes.append(spawn("worker", env))
        http.post(base + "/api/projects", json={"name": "e2e", "description": ""})
        job = "3e1f3a0c-9a3b-4c1e-8d6f-5a4b3c2d1e0f"
        document = {
            "uuid": job,
            "project": "e2e",
            "name": "through",
            "description": "",
            "triggers": [],
            "tasks": [
                {"name": "hello", "docker": shell("echo hello from $WATERWHEEL_TASK_NAME")},
                {"name": "after", "depends": ["task/hello"]},
            ],
        }
        assert http.post(base + "/api/jobs", json=document).status_code == 201
        tasks = {t["name"]: t["task_id"] for t in http.get(f"{base}/api/jobs/{job}/tasks").json()}
        assert http.put(f"{base}/api/tasks/{tasks['hello']}/tokens/{T}", json={}).status_code == 201

        def both_done():
            runs = http.get(f"{base}/api/jobs/{job}/runs/{T}").json()
            return runs if sorted(r["state"] for r in runs) == ["success", "success"] else None

        runs = wait_for(both_done, timeout=60, what="both tasks to succeed")
        hello = next(r for r in runs if r["name"] == "hello")
        log = http.get(f"{base}/api/task_runs/{hello['task_run_id']}/log").json()
        assert [line["line"] for line in log["lines"]] == ["hello from hello"]
        workers = http.get(base + "/api/workers").json()
        assert [w["status"] for w in workers] == ["up"]
        if "scheduler" in layout or "server" in layout:
            assert [s["status"] for s in http.get(base + "/api/schedulers").json()] == ["up"]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=60) for process in processes]
    assert codes == [0] * len(processes), [p.stderr.read()[-2000:] for p in processes]
