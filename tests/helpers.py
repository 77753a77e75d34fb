"""Shared helpers for the tests: the secret tokens are signed with, the
original's sample jobs and their deployment, readers of the API's answers,
direct row inserts, row counting, stash/config token builders, and the app
served on a real socket."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from werkzeug.serving import make_server

from waterwheel.auth.tokens import StashGrant, TokenKeys
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.db.models import Base, Scheduler, TaskRun, Token

SAMPLES = Path(__file__).parent / "data" / "original-jobs"  # written for the original
HMAC_SECRET = "test-secret-that-is-long-enough-for-hs256"

PROJECT_NAME = "test_project"
PROJECT_ID = "4fb168e4-b963-431d-85b6-ac108542c036"

# Sample file -> job uuid, in an order where every cross-job reference resolves.
SAMPLE_JOBS = {
    "catchup.json": "2091f1a0-3947-4bfc-bf1e-6e6f52ab2ce6",
    "complex-dag.yml": "1a054cf0-fe77-44e7-a55e-ff34458bea3d",
    "demo.yml": "65a09aa1-f923-4bf6-99f3-2cee7888e159",
    "depends_on_past.yml": "802fa6a7-e03b-48a8-8fd1-6f15c11e8ca2",
    "offset.json": "1b59a06a-79fc-4a76-981c-68dcc167986b",
    "retry.json": "94344b91-9450-434d-ae90-4a140eee2a0c",
    "simple.json": "51c35e5d-e777-4797-b91b-2526bd4bafdc",
    "slow.yml": "ea67523f-dcc5-423d-810f-aa4a0ed1080e",
    "testedit.json": "4ea39920-8bb3-4afd-99d5-ab8f4d871f13",
    "trigger_offset.yml": "5fe36011-7e82-414e-9a51-cd377ebcdbf8",
    "xjob.yml": "f58dc3a0-023e-400a-8e07-81ba05dc85f8",
}
COMPLEX_DAG = SAMPLE_JOBS["complex-dag.yml"]
XJOB = SAMPLE_JOBS["xjob.yml"]
SIMPLE = SAMPLE_JOBS["simple.json"]

JSON = "application/json"
YAML = "application/x-yaml"

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def iso(value: datetime) -> str:
    """RFC 3339 with ``Z``, as the API prints whole-second datetimes."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def content_type(filename: str) -> str:
    return YAML if filename.endswith((".yml", ".yaml")) else JSON


def sample_bytes(filename: str) -> bytes:
    return (SAMPLES / filename).read_bytes()


def sample_doc(filename: str) -> dict[str, Any]:
    """A sample job or project document, decoded (a fresh copy each call)."""
    text = sample_bytes(filename)
    if filename.endswith((".yml", ".yaml")):
        return yaml.safe_load(text)
    return json.loads(text)


def create_project(
    client, name: str = PROJECT_NAME, *, description: str = "a project", **extra: Any
) -> dict[str, Any]:
    """POST a project and return the echo (asserting 201)."""
    response = client.post("/api/projects", json={"name": name, "description": description} | extra)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def deploy_sample_project(client) -> dict[str, Any]:
    response = client.post("/api/projects", json=sample_doc("project.json"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def post_sample(client, filename: str, method: str = "post"):
    return getattr(client, method)(
        "/api/jobs", data=sample_bytes(filename), content_type=content_type(filename)
    )


def deploy_samples(client, only: list[str] | None = None) -> dict[str, str]:
    """Create ``test_project`` and deploy the valid sample jobs; file -> job id."""
    deploy_sample_project(client)
    deployed = {}
    for filename, job_id in SAMPLE_JOBS.items():
        if only is not None and filename not in only:
            continue
        response = post_sample(client, filename)
        assert response.status_code == 201, (filename, response.get_json())
        deployed[filename] = job_id
    return deployed


def post_job(client, doc: dict[str, Any], method: str = "post"):
    return getattr(client, method)("/api/jobs", json=doc)


def job_doc(
    name: str = "job",
    *,
    job_id: str | None = None,
    project: str = PROJECT_NAME,
    triggers: list[dict[str, Any]] | None = None,
    tasks: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A small valid job: trigger ``daily`` feeding task ``a``, ``a`` feeding ``b``."""
    if triggers is None:
        triggers = [{"name": "daily", "start": "2025-01-01T00:00:00Z", "period": "1d"}]
    if tasks is None:
        tasks = [
            {
                "name": "a",
                "docker": {"image": "bash", "args": ["-c", "true"]},
                "depends": ["trigger/daily"],
            },
            {"name": "b", "depends": ["task/a"]},
        ]
    return {
        "uuid": job_id or str(uuid.uuid4()),
        "project": project,
        "name": name,
        "description": f"the {name} job",
        "triggers": copy.deepcopy(triggers),
        "tasks": copy.deepcopy(tasks),
    } | extra


def deploy_job(client, doc: dict[str, Any]) -> str:
    response = post_job(client, doc)
    assert response.status_code == 201, response.get_json()
    return doc["uuid"]


def task_ids(client, job_id: str) -> dict[str, str]:
    """Active task name -> id, from ``GET /api/jobs/:id/tasks``."""
    response = client.get(f"/api/jobs/{job_id}/tasks")
    assert response.status_code == 200, response.get_json()
    return {row["name"]: row["task_id"] for row in response.get_json()}


def trigger_ids(client, job_id: str) -> dict[str, str]:
    response = client.get(f"/api/jobs/{job_id}/triggers")
    assert response.status_code == 200, response.get_json()
    return {row["trigger_name"]: row["trigger_id"] for row in response.get_json()}


def get_job(client, job_id: str) -> dict[str, Any]:
    """``GET /api/jobs/:id``, asserting 200: the job's details."""
    response = client.get(f"/api/jobs/{job_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def graph_edges(graph: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(from, to, kind) of each edge of a ``GET /api/jobs/:id/graph`` answer."""
    return {(e["from"], e["to"], e["kind"]) for e in graph["edges"]}


def pick(mapping: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The given keys of a mapping (KeyError when one is missing)."""
    return {key: mapping[key] for key in keys}


def insert_run(
    db: Database,
    task_id: str | uuid.UUID,
    trigger_datetime: datetime,
    *,
    state: str = "success",
    queued: datetime | None = None,
    started: datetime | None = None,
    finished: datetime | None = None,
    worker_id: str | uuid.UUID | None = None,
    attempt: int = 1,
    priority: str = "normal",
) -> str:
    """Insert a task_run row directly; returns its id."""
    run_id = uuid.uuid4()
    with db.transaction() as session:
        session.add(
            TaskRun(
                id=run_id,
                task_id=uuid.UUID(str(task_id)),
                trigger_datetime=trigger_datetime,
                queued_datetime=queued or trigger_datetime,
                started_datetime=started,
                finish_datetime=finished,
                worker_id=uuid.UUID(str(worker_id)) if worker_id else None,
                state=state,
                priority=priority,
                attempt=attempt,
            )
        )
    return str(run_id)


def insert_token(
    db: Database,
    task_id: str | uuid.UUID,
    trigger_datetime: datetime,
    *,
    state: str = "waiting",
    count: int = 0,
) -> None:
    with db.transaction() as session:
        session.add(
            Token(
                task_id=uuid.UUID(str(task_id)),
                trigger_datetime=trigger_datetime,
                count=count,
                state=state,
            )
        )


def token_row(db: Database, task_id: str, trigger_datetime: datetime) -> tuple[int, str] | None:
    """(count, state) of a token, read straight from the table."""
    with db.transaction() as session:
        token = session.get(Token, (uuid.UUID(str(task_id)), trigger_datetime))
        return None if token is None else (token.count, token.state)


def insert_scheduler(
    db: Database,
    *,
    last_seen: datetime,
    queued_triggers: int = 0,
    waiting_for_trigger_id: str | None = None,
    version: str = "1.0",
) -> str:
    scheduler_id = uuid.uuid4()
    with db.transaction() as session:
        session.add(
            Scheduler(
                id=scheduler_id,
                last_seen_datetime=last_seen,
                queued_triggers=queued_triggers,
                waiting_for_trigger_id=(
                    uuid.UUID(waiting_for_trigger_id) if waiting_for_trigger_id else None
                ),
                version=version,
            )
        )
    return str(scheduler_id)


def row_counts(db: Database) -> dict[str, int]:
    """Rows per table: compare before/after to prove nothing was written."""
    with db.transaction() as session:
        return {
            table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


def stash_token(
    settings: Settings,
    *,
    task_id: str | uuid.UUID,
    job_id: str | uuid.UUID,
    project_id: str | uuid.UUID,
    trigger_datetime: datetime,
    lifetime: int = 600,
) -> str:
    grant = StashGrant(
        task_id=uuid.UUID(str(task_id)),
        job_id=uuid.UUID(str(job_id)),
        project_id=uuid.UUID(str(project_id)),
        trigger_datetime=trigger_datetime,
    )
    return TokenKeys.from_settings(settings).stash_token(grant, lifetime=lifetime)


def config_token(settings: Settings, subject: str | uuid.UUID) -> str:
    return TokenKeys.from_settings(settings).config_token(uuid.UUID(str(subject)))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def serving(app) -> Iterator[str]:
    """The app in a real threaded server (a websocket needs a socket): host:port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def ago(**kwargs: float) -> datetime:
    return datetime.now(UTC) - timedelta(**kwargs)


class RecordingPublisher:
    """A publisher that keeps what the API told the rest of the system."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))

    def of(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, args in self.calls if called == name]

    def triggers_changed(self, trigger_ids) -> None:
        self._record("triggers_changed", sorted(str(i) for i in trigger_ids))

    def task_changed(self, task_ids) -> None:
        self._record("task_changed", sorted(str(i) for i in task_ids))

    def project_changed(self, project_id) -> None:
        self._record("project_changed", str(project_id))

    def tokens_activated(self, tokens, priority: str) -> None:
        self._record("tokens_activated", sorted((str(t), at) for t, at in tokens), priority)

    def tokens_cleared(self, tokens) -> None:
        self._record("tokens_cleared", sorted((str(t), at) for t, at in tokens))

    def job_unpaused(self, job_id) -> None:
        self._record("job_unpaused", str(job_id))
