"""Issue 11, point 8: a stash token is good only while its task run runs, and
no process starts with a missing or guessable secret.

A token reaches the task in its environment at start and cannot be replaced
while the task runs, so its life is bound to the run's, checked in the
database at each call, rather than to a clock: it dies with the run, however
long the task's timeout (its expiry stays as an outer bound)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import (
    COMPLEX_DAG,
    PROJECT_ID,
    T0,
    bearer,
    deploy_samples,
    insert_run,
    iso,
    stash_token,
    task_ids,
)
from waterwheel.db.models import JobStash, TaskRun

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def step_a(client) -> str:
    deploy_samples(client, only=["complex-dag.yml"])
    return task_ids(client, COMPLEX_DAG)["stepA"]


def _token(settings, task: str, lifetime: int = 600) -> dict[str, str]:
    return bearer(
        stash_token(
            settings,
            task_id=task,
            job_id=COMPLEX_DAG,
            project_id=PROJECT_ID,
            trigger_datetime=T0,
            lifetime=lifetime,
        )
    )


def _job_stash(db) -> list[tuple[str, bytes]]:
    with db.read() as session:
        return [(row.name, row.data) for row in session.scalars(select(JobStash))]


def test_a_token_dies_with_its_run(client, db, settings, step_a):
    run = insert_run(db, step_a, T0, state="running")
    token = _token(settings, step_a, lifetime=60 * 365 * 24 * 3600)  # timeout: 60y
    url = f"/int-api/jobs/{COMPLEX_DAG}/stash/{iso(T0)}/key"
    assert client.put(url, data=b"while running", headers=token).status_code == 201
    client.put("/api/stash/global", data=b"g")

    with db.transaction() as session:
        session.get(TaskRun, uuid.UUID(run)).state = "success"
    for response in [
        client.put(url, data=b"after the end", headers=token),
        client.post(url, data=b"after the end", headers=token),
        client.get(url, headers=token),
        client.get("/int-api/stash/global", headers=token),
        client.get(f"/int-api/projects/{PROJECT_ID}/stash/any", headers=token),
    ]:
        assert response.status_code == 401
        assert "is not running" in response.get_json()["error"]
    assert _job_stash(db) == [("key", b"while running")]


def test_a_token_without_a_running_run_reaches_nothing(client, db, settings, step_a):
    insert_run(db, step_a, T0, state="failure")  # an earlier attempt, ended
    insert_run(db, step_a, T0, state="active", attempt=2)  # queued, not started
    url = f"/int-api/jobs/{COMPLEX_DAG}/stash/{iso(T0)}/key"
    response = client.put(url, data=b"v", headers=_token(settings, step_a))
    assert response.status_code == 401
    assert "is not running" in response.get_json()["error"]
    assert _job_stash(db) == []


def _start(command: str, tmp_path: Path, secret: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATERWHEEL_")}
    env |= {
        "PYTHONPATH": str(REPO),
        "WATERWHEEL_DB_URL": f"sqlite:///{tmp_path / 'waterwheel.db'}",
        "WATERWHEEL_AMQP_ADDR": "memory://",
        "WATERWHEEL_SERVER_BIND": "127.0.0.1:0",
    }
    if secret is not None:
        env["WATERWHEEL_HMAC_SECRET"] = secret
    return subprocess.run(
        [sys.executable, "-m", "waterwheel", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", ["api", "scheduler", "worker", "server", "standalone"])
def test_a_short_secret_is_refused_at_start(command, tmp_path):
    done = _start(command, tmp_path, "only-31-bytes-long-secret-12345")
    assert done.returncode == 1
    assert "WATERWHEEL_HMAC_SECRET is 31 bytes long; it must be at least 32" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "waterwheel.db").exists()


@pytest.mark.parametrize("command", ["api", "scheduler", "worker", "server"])
def test_a_missing_secret_is_refused_at_start(command, tmp_path):
    done = _start(command, tmp_path, None)
    assert done.returncode == 1
    assert "WATERWHEEL_HMAC_SECRET is not set" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "waterwheel.db").exists()
