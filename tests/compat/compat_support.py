"""Shared by the compat tests: where the corpus is, translating a corpus DAG,
deploying it through the API, and running its tasks with the compat runner as
real subprocesses with the environment a worker gives them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from waterwheel.auth.tokens import StashGrant, TokenKeys
from waterwheel.compat.translate import Translation, translate
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.db.models import TaskRun
from waterwheel.timeutil import parse_datetime, utcnow

DAGS = Path(__file__).resolve().parent / "dags"
REPO = Path(__file__).resolve().parents[2]
SECRET = "compat-test-secret-that-is-long-enough"
PROJECT = "airflow_compat"


def translated(
    dags: dict[str, tuple[Any, str]], dag_id: str, flavour: str | None = None
) -> Translation:
    dag, detected = dags[dag_id]
    return translate(dag, project=PROJECT, flavour=flavour or detected, dags_folder=DAGS)


@dataclass
class Server:
    base: str  # ends with "/"
    settings: Settings
    db: Database

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")


@dataclass
class DeployedJob:
    project_id: str
    job_id: str
    task_ids: dict[str, str]  # task name -> id


def deploy(server: Server, translation: Translation) -> DeployedJob:
    """The project (once) and the translated job, created through the API."""
    found = requests.get(server.url("api/projects"), params={"name": PROJECT}, timeout=10)
    if found.status_code == 404:
        body = {"name": PROJECT, "description": "compat tests"}
        found = requests.put(server.url("api/projects"), json=body, timeout=10)
        found.raise_for_status()
    project_id = found.json().get("id") or found.json()["uuid"]
    put = requests.put(server.url("api/jobs"), json=translation.document, timeout=10)
    assert put.status_code == 201, put.text
    job_id = translation.document["uuid"]
    tasks = requests.get(server.url(f"api/jobs/{job_id}/tasks"), timeout=10).json()
    return DeployedJob(project_id, job_id, {t["name"]: t["task_id"] for t in tasks})


@dataclass
class Run:
    server: Server
    job: DeployedJob
    translation: Translation
    trigger_datetime: str

    def env(self, task: str, attempt: int = 1, **extra: str) -> dict[str, str]:
        """The environment the worker gives the task's container."""
        keys = TokenKeys.from_settings(self.server.settings)
        grant = StashGrant(
            uuid.UUID(self.job.task_ids[task]),
            uuid.UUID(self.job.job_id),
            uuid.UUID(self.job.project_id),
            parse_datetime(self.trigger_datetime),
        )
        document = next(t for t in self.translation.document["tasks"] if t["name"] == task)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "WATERWHEEL_"))}
        docker = document["docker"] or {"env": []}  # no-op tasks only lend their token
        env |= dict(entry.split("=", 1) for entry in docker["env"])
        env |= {
            "PYTHONPATH": str(REPO),
            "WATERWHEEL_TRIGGER_DATETIME": self.trigger_datetime,
            "WATERWHEEL_TASK_NAME": task,
            "WATERWHEEL_TASK_ID": self.job.task_ids[task],
            "WATERWHEEL_JOB_NAME": self.translation.document["name"],
            "WATERWHEEL_JOB_ID": self.job.job_id,
            "WATERWHEEL_PROJECT_NAME": PROJECT,
            "WATERWHEEL_PROJECT_ID": self.job.project_id,
            "WATERWHEEL_SERVER_ADDR": self.server.base,
            "WATERWHEEL_JWT": keys.stash_token(grant, lifetime=600),
            "WATERWHEEL_TASK_RUN_ID": str(self._running(grant, attempt)),
            "WATERWHEEL_ATTEMPT": str(attempt),
        }
        return env | extra

    def _running(self, grant: StashGrant, attempt: int) -> uuid.UUID:
        """The run the worker would have claimed: its stash token is good only
        while it runs."""
        run_id = uuid.uuid4()
        with self.server.db.transaction() as session:
            session.add(
                TaskRun(
                    id=run_id,
                    task_id=grant.task_id,
                    trigger_datetime=grant.trigger_datetime,
                    queued_datetime=utcnow(),
                    started_datetime=utcnow(),
                    state="running",
                    priority="normal",
                    attempt=attempt,
                )
            )
        return run_id

    def run(self, task: str, attempt: int = 1, **extra: str) -> subprocess.CompletedProcess:
        """Run the task's container command as a host process, as the local engine does."""
        document = next(t for t in self.translation.document["tasks"] if t["name"] == task)
        command = [sys.executable, *document["docker"]["command"][1:], *document["docker"]["args"]]
        return subprocess.run(
            command,
            env=self.env(task, attempt, **extra),
            capture_output=True,
            text=True,
            timeout=60,
        )

    def job_stash(self, key: str) -> bytes | None:
        """A job stash value of this run, read as a task of the job would."""
        first_task = next(iter(self.job.task_ids))
        response = requests.get(
            self.server.url(f"int-api/jobs/{self.job.job_id}/stash/{self.trigger_datetime}/{key}"),
            headers={"Authorization": f"Bearer {self.env(first_task)['WATERWHEEL_JWT']}"},
            timeout=10,
        )
        return None if response.status_code == 404 else response.content

    def put_job_stash(self, key: str, value: bytes) -> None:
        first_task = next(iter(self.job.task_ids))
        response = requests.put(
            self.server.url(f"int-api/jobs/{self.job.job_id}/stash/{self.trigger_datetime}/{key}"),
            data=value,
            headers={"Authorization": f"Bearer {self.env(first_task)['WATERWHEEL_JWT']}"},
            timeout=10,
        )
        response.raise_for_status()


def _parse(text: str):
    from waterwheel.timeutil import parse_datetime

    return parse_datetime(text)
