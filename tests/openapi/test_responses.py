"""The responses of a real run through the sample jobs match the schemas the
OpenAPI document gives for their path, method and status code, and every
documented status is exercised. The log websocket's handshake (101) and frames
need a real socket: the scenario serves the app on one for them.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml
from flask.testing import FlaskClient
from simple_websocket import Client, ConnectionClosed

from tests.helpers import SAMPLES, bearer, serving
from tests.openapi.spec import DOC, T0, T0_AS_BRISBANE, T1, Api, deref, operations
from waterwheel.api import create_app
from waterwheel.auth.tokens import StashGrant, TokenKeys
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.db.models import Scheduler, TaskRun, Token
from waterwheel.jobdoc import JOB_SCHEMA, PROJECT_SCHEMA, load_schema


def _sample(name: str) -> tuple[bytes, dict[str, Any]]:
    raw = (SAMPLES / name).read_bytes()
    return raw, yaml.safe_load(raw)  # JSON is YAML


@dataclass
class World:
    """What the scenario created, for the steps that follow."""

    keys: TokenKeys
    db: Database
    project_id: str = ""
    project_name: str = ""
    jobs: dict[str, str] = field(default_factory=dict)  # sample file -> job id
    simple: str = ""  # simple.json's job id
    step0: str = ""  # its task
    daily: str = ""  # its trigger
    worker: str = field(default_factory=lambda: str(uuid.uuid4()))
    writer_token: dict[str, str] = field(default_factory=dict)  # may write "shared." keys

    def ids(self) -> dict[str, str]:
        """A valid value for each path parameter."""
        return {
            "project_id": self.project_id,
            "job_id": self.simple,
            "task_id": self.step0,
            "trigger_id": self.daily,
            "worker_id": self.worker,
            "task_run_id": str(uuid.uuid4()),
            "trigger_datetime": T0,
            "key": "k",
        }

    def stash_token(self, **changes: Any) -> str:
        grant = {
            "task_id": uuid.UUID(self.step0),
            "job_id": uuid.UUID(self.simple),
            "project_id": uuid.UUID(self.project_id),
            "trigger_datetime": datetime(2025, 1, 1, tzinfo=UTC),
        } | changes
        return self.keys.stash_token(StashGrant(**grant), lifetime=300)


def test_responses_match_the_document(client: FlaskClient, settings: Settings) -> None:
    api = Api(client)
    db = client.application.extensions["waterwheel"].db
    world = World(keys=TokenKeys.from_settings(settings), db=db)
    _meta_and_empty(api)
    _projects(api, world)
    _jobs(api, world)
    _tokens(api, world)
    _runs_and_cluster(api, world)
    _internal(api, world)
    _logs(api, world, settings)
    _stash(api, world)
    _bad_path_parameters(api, world)
    _unknown_ids(api, world)
    _deletes(api, world)
    assert api.unexercised(success=True) == [], "success responses never exercised"
    assert api.unexercised(success=False) == [], "documented error statuses never exercised"


def _meta_and_empty(api: Api) -> None:
    assert api.get("/healthcheck", 200).text == "OK"
    assert api.get("/api/openapi.json", 200).get_json() == DOC
    assert api.get("/api/job-schema.json", 200).get_json() == load_schema(JOB_SCHEMA)
    assert api.get("/api/project-schema.json", 200).get_json() == load_schema(PROJECT_SCHEMA)
    assert api.get("/api/status", 200).get_json()["num_projects"] == 0
    assert api.get("/api/projects", 200).get_json() == []
    assert api.get("/api/stash", 200).get_json() == []
    assert api.get("/api/workers", 200).get_json() == []
    assert api.get("/api/schedulers", 200).get_json() == []


def _projects(api: Api, world: World) -> None:
    raw, project = _sample("project.json")
    world.project_id, world.project_name = project["uuid"], project["name"]
    saved = api.post("/api/projects", 201, data=raw, content_type="application/json").get_json()
    assert saved == project
    without_config = {k: v for k, v in project.items() if k != "config"}
    saved = api.put("/api/projects", 201, json=without_config).get_json()
    assert saved["config"] == project["config"]  # kept
    clash = {"name": project["name"], "description": ""}
    for method in ("POST", "PUT"):  # one operation under two methods
        api.call(method, "/api/projects", 409, json=clash)
        api.call(method, "/api/projects", 400, json={"description": "no name"})
        api.call(method, "/api/projects", 400, data=b"{", content_type="application/json")
        api.call(method, "/api/projects", 415, data=b"name: x", content_type="application/yaml")

    listed = api.get("/api/projects", 200).get_json()
    assert [p["id"] for p in listed] == [world.project_id]
    one = api.get("/api/projects", 200, query_string={"name": world.project_name}).get_json()
    assert one["id"] == world.project_id
    api.get("/api/projects", 404, query_string={"name": "no such project"})
    api.get("/api/projects/{project_id}", 200, path={"project_id": world.project_id})


def _jobs(api: Api, world: World) -> None:
    yaml_types = iter(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"] * 9)
    pending = sorted(p.name for p in SAMPLES.iterdir() if p.name != "project.json")
    while True:  # a job referencing another's tasks needs that one saved first
        saved = []
        for name in pending:
            raw, doc = _sample(name)
            kind = "application/json" if name.endswith(".json") else next(yaml_types)
            method = api.put if len(world.jobs) % 2 else api.post
            if method("/api/jobs", None, data=raw, content_type=kind).status_code == 201:
                world.jobs[name] = doc["uuid"]
                saved.append(name)
        pending = [name for name in pending if name not in saved]
        if not saved:
            break
    assert pending == ["invalid.yml"]
    assert len(world.jobs) >= 10
    world.simple = world.jobs["simple.json"]

    raw, simple = _sample("simple.json")
    api.put("/api/jobs", 201, data=raw)  # no content type: JSON
    for method in ("POST", "PUT"):  # one operation under two methods
        api.call(method, "/api/jobs", 409, json=simple | {"uuid": str(uuid.uuid4())})
        api.call(method, "/api/jobs", 400, json=simple | {"project": "no such project"})
        api.call(method, "/api/jobs", 400, data=_sample("invalid.yml")[0], content_type="text/yaml")
        api.call(method, "/api/jobs", 415, data=raw, content_type="text/plain")

    query = {"project": world.project_name, "name": simple["name"]}
    assert api.get("/api/jobs", 200, query_string=query).get_json()["id"] == world.simple
    api.get("/api/jobs", 400, query_string={"project": world.project_name})
    api.get("/api/jobs", 404, query_string=query | {"name": "no such job"})

    for job_id in world.jobs.values():
        job = {"job_id": job_id}
        api.get("/api/jobs/{job_id}", 200, path=job)
        api.get("/api/jobs/{job_id}/tasks", 200, path=job)
        api.get("/api/jobs/{job_id}/triggers", 200, path=job)
        api.get("/api/jobs/{job_id}/graph", 200, path=job)
        api.get("/api/jobs/{job_id}/paused", 200, path=job)
    xjob = api.get("/api/jobs/{job_id}/graph", 200, path={"job_id": world.jobs["xjob.yml"]})
    assert {node["job_id"] for node in xjob.get_json()["nodes"]} > {world.jobs["xjob.yml"]}

    project, jobs = {"project_id": world.project_id}, "/api/projects/{project_id}/jobs"
    listed = api.get(jobs, 200, path=project).get_json()
    assert len(listed) == len(world.jobs)
    page = {"limit": 2, "after": listed[0]["name"]}
    assert len(api.get(jobs, 200, path=project, query_string=page).get_json()) == 2
    named = {"name": simple["name"]}
    assert len(api.get(jobs, 200, path=project, query_string=named).get_json()) == 1
    api.get(jobs, 400, path=project, query_string={"limit": 0})

    job = {"job_id": world.simple}
    assert api.get("/api/jobs/{job_id}/paused", 200, path=job).get_json() is True
    api.put("/api/jobs/{job_id}/paused", 204, path=job, json={"paused": False})
    assert api.get("/api/jobs/{job_id}/paused", 200, path=job).get_json() is False
    api.put("/api/jobs/{job_id}/paused", 400, path=job, json={"paused": "no"})
    api.put("/api/jobs/{job_id}/paused", 415, path=job, data="paused", content_type="text/plain")

    tasks = api.get("/api/jobs/{job_id}/tasks", 200, path=job).get_json()
    world.step0 = next(t["task_id"] for t in tasks if t["name"] == "step0")
    triggers = api.get("/api/jobs/{job_id}/triggers", 200, path=job).get_json()
    world.daily = next(t["trigger_id"] for t in triggers if t["trigger_name"] == "daily")
    task = api.get("/api/tasks/{task_id}", 200, path={"task_id": world.step0}).get_json()
    assert task["image"] == "bash:latest"


def _tokens(api: Api, world: World) -> None:
    task, job = {"task_id": world.step0}, {"job_id": world.simple}
    activate = "/api/tasks/{task_id}/tokens/{trigger_datetime}"
    backfill = "/api/tasks/{task_id}/tokens"
    api.put(activate, 201, path=task | {"trigger_datetime": T0}, json={})
    at_t1 = task | {"trigger_datetime": T1}
    api.put(activate, 201, path=at_t1, json={"priority": "low"})
    api.put(activate, 400, path=at_t1, json={"priority": "urgent"})
    api.put(activate, 415, path=at_t1, data="{}", content_type="text/plain")
    cleared = api.post(backfill, 200, path=task, json={"first": "2024-12-31T00:00:00Z"})
    assert cleared.get_json() == {"cleared": 2}
    api.post(backfill, 400, path=task, json={})
    api.post(backfill, 415, path=task, data="{}", content_type="text/plain")

    # Start a run now, as Airflow's manual trigger (another job: its tokens are "now").
    start_now = "/api/jobs/{job_id}/trigger"
    started = api.post(start_now, 201, path={"job_id": world.jobs["catchup.json"]}, json={})
    assert started.get_json()["trigger_datetime"].endswith("Z")
    api.post(start_now, 400, path={"job_id": world.jobs["catchup.json"]}, json={"conf": [1]})
    api.post(start_now, 409, path={"job_id": world.jobs["xjob.yml"]}, json={})
    api.post(start_now, 404, path={"job_id": str(uuid.uuid4())}, json={})
    api.post(start_now, 415, path=job, data="{}", content_type="text/plain")

    # A task left out of a newer document is kept, inactive: it cannot be activated.
    edited_id = world.jobs["testedit.json"]
    _, edited = _sample("testedit.json")
    old = api.get("/api/jobs/{job_id}/tasks", 200, path={"job_id": edited_id}).get_json()[0]
    renamed = edited | {"tasks": [edited["tasks"][0] | {"name": "renamed"}]}
    api.put("/api/jobs", 201, json=renamed)
    stale = {"task_id": old["task_id"]}
    assert api.get("/api/tasks/{task_id}", 200, path=stale).get_json()["active"] is False
    api.put(activate, 409, path=stale | {"trigger_datetime": T0}, json={})
    api.post(backfill, 409, path=stale, json={"only_failed": True})

    tokens = api.get("/api/jobs/{job_id}/tokens", 200, path=job).get_json()
    assert [t["trigger_datetime"] for t in tokens] == [T1, T0]
    for template in ("/api/jobs/{job_id}/tokens", "/api/jobs/{job_id}/tokens-overview"):
        api.get(template, 200, path=job)
        filters = {"state": "waiting,failure", "before": T1, "limit": 1}
        api.get(template, 200, path=job, query_string=filters)
        api.get(template, 400, path=job, query_string={"state": "bogus"})
        api.get(template, 400, path=job, query_string={"before": "2025-01-01"})
        api.get(template, 400, path=job, query_string={"limit": "many"})
    tokens_at = "/api/jobs/{job_id}/tokens/{trigger_datetime}"
    at_t0 = api.get(tokens_at, 200, path=job | {"trigger_datetime": T0}).get_json()
    assert api.get(tokens_at, 200, path=job | {"trigger_datetime": T0_AS_BRISBANE}).json == at_t0

    trigger, detail = {"trigger_id": world.daily}, "/api/triggers/{trigger_id}"
    times = api.get(detail, 200, path=trigger).get_json()["times"]
    assert [t["trigger_datetime"] for t in times] == [T1, T0]
    api.get(detail, 200, path=trigger, query_string={"limit": 1, "before": T1})
    api.get(detail, 400, path=trigger, query_string={"limit": 1001})

    graph = "/api/jobs/{job_id}/graph"
    nodes = api.get(graph, 200, path=job, query_string={"trigger_datetime": T0}).json["nodes"]
    assert {n["state"] for n in nodes if n["kind"] == "task"} == {"waiting"}
    api.get(graph, 400, path=job, query_string={"trigger_datetime": "yesterday"})


def _runs_and_cluster(api: Api, world: World) -> None:
    now = datetime.now(UTC).replace(microsecond=123456)
    heartbeat = {
        "uuid": world.worker,
        "addr": "10.0.0.7:8081",
        "last_seen_datetime": now.isoformat(),
        "running_tasks": 1,
        "total_tasks": 3,
        "version": "0.1.0",
    }
    as_worker = bearer(world.keys.config_token(uuid.UUID(world.worker)))
    api.post("/int-api/heartbeat", 200, json=heartbeat, headers=as_worker)
    api.post("/int-api/heartbeat", 401, json=heartbeat)
    api.post(
        "/int-api/heartbeat", 403, json=heartbeat | {"uuid": str(uuid.uuid4())}, headers=as_worker
    )
    api.post("/int-api/heartbeat", 400, json=heartbeat | {"running_tasks": -1}, headers=as_worker)
    api.post("/int-api/heartbeat", 415, data="uuid", content_type="text/plain", headers=as_worker)

    t0, t1 = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC)
    step0, worker = uuid.UUID(world.step0), uuid.UUID(world.worker)
    with world.db.transaction() as session:
        session.add_all(
            [
                TaskRun(
                    id=uuid.uuid4(),
                    task_id=step0,
                    trigger_datetime=t0,
                    queued_datetime=now,
                    started_datetime=now,
                    finish_datetime=now + timedelta(seconds=1.5),
                    worker_id=worker,
                    state="failure",
                    priority="high",
                    attempt=1,
                    message="exit status 1",
                ),
                TaskRun(
                    id=uuid.uuid4(),
                    task_id=step0,
                    trigger_datetime=t0,
                    queued_datetime=now + timedelta(seconds=2),
                    started_datetime=now,
                    finish_datetime=now + timedelta(seconds=4),
                    worker_id=worker,
                    state="success",
                    priority="high",
                    attempt=2,
                ),
                TaskRun(
                    id=uuid.uuid4(),
                    task_id=step0,
                    trigger_datetime=t1,
                    queued_datetime=now,
                    started_datetime=now,
                    worker_id=worker,
                    state="running",
                    priority="low",
                ),
                TaskRun(
                    id=uuid.uuid4(),
                    task_id=step0,
                    trigger_datetime=t1,
                    queued_datetime=now,
                    state="active",
                    priority="backfill",
                ),
                Scheduler(
                    id=uuid.uuid4(),
                    last_seen_datetime=now,
                    queued_triggers=4,
                    waiting_for_trigger_id=uuid.UUID(world.daily),
                    version="0.1.0",
                ),
                Scheduler(id=uuid.uuid4(), last_seen_datetime=now - timedelta(minutes=5)),
            ]
        )
        session.get(Token, (step0, t0)).state = "success"

    job, task = {"job_id": world.simple}, {"task_id": world.step0}
    job_runs = "/api/jobs/{job_id}/runs/{trigger_datetime}"
    task_runs = "/api/tasks/{task_id}/runs/{trigger_datetime}"
    runs = api.get(job_runs, 200, path=job | {"trigger_datetime": T0}).get_json()
    assert [(r["attempt"], r["message"]) for r in runs] == [(1, "exit status 1"), (2, None)]
    at_t0 = task | {"trigger_datetime": T0}
    assert [r["message"] for r in api.get(task_runs, 200, path=at_t0).json] == [
        "exit status 1",
        None,
    ]
    at_t1 = job | {"trigger_datetime": T1}
    assert len(api.get(job_runs, 200, path=at_t1, query_string={"limit": 1}).json) == 1
    api.get(job_runs, 400, path=at_t1, query_string={"limit": 0})
    assert len(api.get(task_runs, 200, path=task | {"trigger_datetime": T1}).json) == 2

    durations = api.get("/api/jobs/{job_id}/duration", 200, path=job).get_json()["duration"]
    assert durations == [{"trigger_datetime": T0, "duration": 4.0, "task_name": "step0"}]
    api.get("/api/jobs/{job_id}/duration", 200, path=job, query_string={"before": T0, "limit": 5})
    api.get("/api/jobs/{job_id}/duration", 400, path=job, query_string={"limit": 1001})

    graph = "/api/jobs/{job_id}/graph"
    nodes = api.get(graph, 200, path=job, query_string={"trigger_datetime": T0}).json["nodes"]
    assert {n["state"] for n in nodes if n["kind"] == "task"} == {"success"}
    project = api.get("/api/projects/{project_id}", 200, path={"project_id": world.project_id}).json
    assert (project["running_tasks"], project["waiting_tasks"]) == (1, 1)
    assert (project["failed_tasks_last_hour"], project["succeeded_tasks_last_hour"]) == (1, 1)
    extra = api.get("/api/jobs/{job_id}", 200, path=job).get_json()
    assert extra["active_tasks"] == 1
    api.get("/api/projects/{project_id}/jobs", 200, path={"project_id": world.project_id})

    status = api.get("/api/status", 200).get_json()
    assert status == {"num_projects": 1, "num_workers": 1, "running_tasks": 1}
    assert [w["uuid"] for w in api.get("/api/workers", 200).get_json()] == [world.worker]
    worker_path = {"worker_id": world.worker}
    assert len(api.get("/api/workers/{worker_id}", 200, path=worker_path).get_json()["tasks"]) == 3
    running = {"state": "running"}
    tasks = api.get("/api/workers/{worker_id}", 200, path=worker_path, query_string=running).json
    assert [t["state"] for t in tasks["tasks"]] == ["running"]
    schedulers = api.get("/api/schedulers", 200).get_json()
    assert [s["waiting_for_trigger_job_id"] for s in schedulers] == [world.simple, None]

    tokens_at = "/api/jobs/{job_id}/tokens/{trigger_datetime}"
    cleared = api.delete(tokens_at, 200, path=job | {"trigger_datetime": T0}).get_json()
    assert cleared == {"tokens_cleared": 1}


def _internal(api: Api, world: World) -> None:
    task, project = {"task_id": world.step0}, {"project_id": world.project_id}
    for_task = bearer(world.keys.config_token(uuid.UUID(world.step0)))
    for_project = bearer(world.keys.config_token(uuid.UUID(world.project_id)))
    other_keys = TokenKeys.from_settings(Settings(hmac_secret="another-secret-that-is-long-enough"))
    forged = bearer(other_keys.config_token(uuid.UUID(world.step0)))
    unknown = str(uuid.uuid4())
    for_unknown = bearer(world.keys.config_token(uuid.UUID(unknown)))

    definition = api.get("/int-api/tasks/{task_id}", 200, path=task, headers=for_task).get_json()
    assert definition == api.get("/api/tasks/{task_id}", 200, path=task).get_json()
    api.get("/int-api/tasks/{task_id}", 401, path=task)
    api.get("/int-api/tasks/{task_id}", 401, path=task, headers=forged)
    api.get("/int-api/tasks/{task_id}", 401, path=task, headers=bearer(world.stash_token()))
    api.get("/int-api/tasks/{task_id}", 403, path=task, headers=for_project)
    api.get("/int-api/tasks/{task_id}", 404, path={"task_id": unknown}, headers=for_unknown)

    # A worker claims a queued run: once.
    run_id = uuid.uuid4()
    with world.db.transaction() as session:
        session.add(
            TaskRun(
                id=run_id,
                task_id=uuid.UUID(world.step0),
                queued_datetime=datetime.now(UTC),
                trigger_datetime=datetime(2025, 1, 3, tzinfo=UTC),
                state="active",
            )
        )
    start = "/int-api/task_runs/start"
    worker = uuid.UUID(world.worker)
    for_worker = bearer(world.keys.config_token(worker))
    claim = {"worker_id": world.worker, "task_run_ids": [str(run_id), unknown]}
    api.post(start, 401, json=claim)
    api.post(start, 403, json=claim, headers=for_task)
    api.post(
        start, 400, json={"worker_id": "me", "task_run_ids": [str(run_id)]}, headers=for_worker
    )
    api.post(start, 400, json={"worker_id": world.worker, "task_run_ids": []}, headers=for_worker)
    too_many = {"worker_id": world.worker, "task_run_ids": [unknown] * 101}
    api.post(start, 400, json=too_many, headers=for_worker)
    api.post(start, 415, data="{}", content_type="text/plain", headers=for_worker)
    run_state = "/int-api/task_runs/{task_run_id}"
    for_run = bearer(world.keys.config_token(run_id))
    queued = api.get(run_state, 200, path={"task_run_id": run_id}, headers=for_run).get_json()
    assert (queued["state"], queued["worker_id"]) == ("active", None)
    with_definitions = claim | {"task_ids": [world.step0, unknown]}
    claimed = api.post(start, 200, json=with_definitions, headers=for_worker).get_json()
    assert claimed == {
        "claimed": [str(run_id)],
        "refused": {unknown: "task run not found"},
        "definitions": {world.step0: definition},  # the unknown task is left out
    }
    running = api.get(run_state, 200, path={"task_run_id": run_id}, headers=for_run).get_json()
    assert (running["state"], running["worker_id"]) == ("running", world.worker)
    api.get(run_state, 401, path={"task_run_id": run_id})
    api.get(run_state, 403, path={"task_run_id": run_id}, headers=for_task)
    api.get(run_state, 404, path={"task_run_id": unknown}, headers=for_unknown)
    again = api.post(start, 200, json=claim, headers=for_worker).get_json()
    assert again["claimed"] == []
    assert again["refused"][str(run_id)] == "task run is running, not queued"

    # A queued run of a paused job is cancelled when claimed, and says why.
    queued_id, at = uuid.uuid4(), datetime(2025, 1, 4, tzinfo=UTC)
    with world.db.transaction() as session:
        session.add(
            TaskRun(
                id=queued_id,
                task_id=uuid.UUID(world.step0),
                queued_datetime=datetime.now(UTC),
                trigger_datetime=at,
                state="active",
            )
        )
    claim_queued = {"worker_id": world.worker, "task_run_ids": [str(queued_id)]}
    job, paused = {"job_id": world.simple}, "/api/jobs/{job_id}/paused"
    api.put(paused, 204, path=job, json={"paused": True})
    refused = api.post(start, 200, json=claim_queued, headers=for_worker).get_json()
    assert refused == {
        "claimed": [],
        "refused": {str(queued_id): "task run cancelled: job paused"},
        "definitions": {},
    }
    api.put(paused, 204, path=job, json={"paused": False})
    task_runs = "/api/tasks/{task_id}/runs/{trigger_datetime}"
    runs = api.get(task_runs, 200, path=task | {"trigger_datetime": at.isoformat()}).json
    assert [(r["state"], r["message"]) for r in runs] == [("cancelled", "job paused")]
    again = api.post(start, 200, json=claim_queued, headers=for_worker).get_json()
    assert again["refused"] == {str(queued_id): "task run is cancelled, not queued"}

    _, sample = _sample("project.json")
    config = "/int-api/projects/{project_id}/config"
    assert api.get(config, 200, path=project, headers=for_project).json == sample["config"]
    api.get(config, 401, path=project)
    api.get(config, 403, path=project, headers=for_task)
    api.get(config, 404, path={"project_id": unknown}, headers=for_unknown)


def _running(world: World, task_id: str) -> None:
    """A running run of the task at the stash tokens' trigger time: a stash
    token is good only while its run runs."""
    with world.db.transaction() as session:
        session.add(
            TaskRun(
                id=uuid.uuid4(),
                task_id=uuid.UUID(task_id),
                trigger_datetime=datetime(2025, 1, 1, tzinfo=UTC),
                queued_datetime=datetime.now(UTC),
                started_datetime=datetime.now(UTC),
                state="running",
                priority="normal",
            )
        )


def _stash(api: Api, world: World) -> None:
    value, long_key = b"\x00\xffsecret bytes", "k" * 256
    _running(world, world.step0)
    token = bearer(world.stash_token())
    other_project = bearer(world.stash_token(project_id=uuid.uuid4()))
    other_time = bearer(world.stash_token(trigger_datetime=datetime(2025, 1, 2, tzinfo=UTC)))
    config_token = bearer(world.keys.config_token(uuid.UUID(world.step0)))

    # Global.
    key = {"key": "greeting"}
    api.put("/api/stash/{key}", 201, path=key, data=value, content_type="application/octet-stream")
    api.put("/api/stash/{key}", 400, path={"key": long_key}, data=value)
    assert api.get("/api/stash", 200).get_json() == ["greeting"]
    assert api.get("/int-api/stash/{key}", 200, path=key, headers=token).data == value
    api.get("/int-api/stash/{key}", 401, path=key)
    api.get("/int-api/stash/{key}", 401, path=key, headers=config_token)
    api.get("/int-api/stash/{key}", 404, path={"key": "absent"}, headers=token)
    api.delete("/api/stash/{key}", 204, path=key)
    api.delete("/api/stash/{key}", 204, path=key)

    # Project.
    here = {"project_id": world.project_id, "key": "password"}
    write = "/api/projects/{project_id}/stash/{key}"
    read = "/int-api/projects/{project_id}/stash/{key}"
    api.put(write, 201, path=here, data=value)
    api.put(write, 400, path=here | {"key": long_key}, data=value)
    listed = api.get("/api/projects/{project_id}/stash", 200, path={"project_id": world.project_id})
    assert listed.get_json() == ["password"]
    assert api.get(read, 200, path=here, headers=token).data == value
    api.get(read, 401, path=here)
    api.get(read, 403, path=here, headers=other_project)
    api.get(read, 404, path=here | {"key": "absent"}, headers=token)
    api.delete(write, 204, path=here)

    # Tasks write it under the prefixes their job document grants them.
    writer_job = {
        "uuid": str(uuid.uuid4()),
        "project": world.project_name,
        "name": "writer",
        "description": "",
        "triggers": [],
        "tasks": [{"name": "w", "project_stash_write": ["shared."]}],
    }
    api.post("/api/jobs", 201, json=writer_job)
    job = {"job_id": writer_job["uuid"]}
    (writer,) = api.get("/api/jobs/{job_id}/tasks", 200, path=job).get_json()
    _running(world, writer["task_id"])
    granted = bearer(
        world.stash_token(task_id=uuid.UUID(writer["task_id"]), job_id=uuid.UUID(job["job_id"]))
    )
    shared = here | {"key": "shared.colour"}
    api.put(read, 201, path=shared, headers=granted, data=b"blue")
    assert api.get(read, 200, path=shared, headers=token).data == b"blue"
    api.post(read, 201, path=shared, headers=granted, data=b"green")
    assert api.get(read, 200, path=shared, headers=token).data == b"green"
    for method in (api.put, api.post):
        method(read, 401, path=shared, data=value)
        method(read, 403, path=shared, headers=token, data=value)  # step0 has no grant
        method(read, 403, path=here, headers=granted, data=value)  # not under "shared."
        method(read, 403, path=shared, headers=other_project, data=value)
        method(read, 400, path=shared | {"key": "shared." + long_key}, headers=granted, data=value)
    api.delete(write, 204, path=shared)
    world.writer_token = granted

    # Job, at the run's trigger datetime.
    run = {"job_id": world.simple, "trigger_datetime": T0}
    mine = run | {"key": "result"}
    names = "/int-api/jobs/{job_id}/stash/{trigger_datetime}/"
    key = "/int-api/jobs/{job_id}/stash/{trigger_datetime}/{key}"
    api.put(key, 201, path=mine, headers=token, data=value)
    api.put(key, 401, path=mine, data=value)
    api.put(key, 403, path=mine, headers=other_time, data=value)
    api.put(key, 400, path=mine | {"key": long_key}, headers=token, data=value)
    assert api.get(names, 200, path=run).get_json() == ["result"]
    assert api.get(key, 200, path=mine, headers=token).data == value
    # POST stores like PUT (busybox wget can only POST).
    api.post(key, 201, path=mine, headers=token, data=b"posted")
    api.post(key, 401, path=mine, data=value)
    api.post(key, 403, path=mine, headers=other_time, data=value)
    api.post(key, 400, path=mine | {"key": long_key}, headers=token, data=value)
    assert api.get(key, 200, path=mine, headers=token).data == b"posted"
    api.get(key, 401, path=mine)
    api.get(key, 403, path=mine, headers=other_time)
    api.get(key, 404, path=mine | {"key": "absent"}, headers=token)
    api.delete(key, 204, path=mine)
    assert api.get(names, 200, path=run).get_json() == []


WAIT = 10  # seconds the websocket may take for a frame that is due at once


def _frames(ws: Client) -> list[Any]:
    """Every frame until the server closes the socket."""
    received = []
    while True:
        try:
            text = ws.receive(timeout=WAIT)
        except ConnectionClosed:
            return received
        assert text is not None, f"no frame within {WAIT}s after {received}"
        received.append(json.loads(text))


def _logs(api: Api, world: World, settings: Settings) -> None:
    run_id, unknown = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    with world.db.transaction() as session:
        session.add(
            TaskRun(
                id=run_id,
                task_id=uuid.UUID(world.step0),
                trigger_datetime=datetime(2025, 1, 5, tzinfo=UTC),
                queued_datetime=now,
                started_datetime=now,
                worker_id=uuid.UUID(world.worker),
                state="running",
            )
        )
    run, page = {"task_run_id": run_id}, "/api/task_runs/{task_run_id}/log"
    deliver, follow = "/int-api/task_runs/{task_run_id}/logs", "/api/task_runs/{task_run_id}/logs"
    for_run = bearer(TokenKeys.from_settings(settings).config_token(run_id))
    for_task = bearer(world.keys.config_token(uuid.UUID(world.step0)))

    empty = api.get(page, 200, path=run).get_json()
    assert empty == {"lines": [], "next": empty["next"], "ended": False, "outcome": None}

    # A worker without Redis delivers its lines.
    api.post(deliver, 204, path=run, json={"lines": ["one", "two"], "end": None}, headers=for_run)
    api.post(deliver, 401, path=run, json={"lines": ["x"]})
    api.post(deliver, 403, path=run, json={"lines": ["x"]}, headers=for_task)
    api.post(deliver, 400, path=run, json={"lines": [1]}, headers=for_run)
    api.post(deliver, 400, path=run, json={"lines": [], "end": "finished"}, headers=for_run)
    api.post(deliver, 415, path=run, data="one", content_type="text/plain", headers=for_run)
    for_unknown = bearer(world.keys.config_token(unknown))
    api.post(deliver, 404, path={"task_run_id": unknown}, json={"lines": []}, headers=for_unknown)

    first = api.get(page, 200, path=run, query_string={"limit": 1}).get_json()
    assert [entry["line"] for entry in first["lines"]] == ["one"]
    assert first["next"] == first["lines"][0]["id"] and not first["ended"]
    rest = api.get(page, 200, path=run, query_string={"after": first["next"]}).get_json()
    assert [entry["line"] for entry in rest["lines"]] == ["two"]
    api.get(page, 400, path=run, query_string={"after": "nope"})
    api.get(page, 400, path=run, query_string={"limit": 0})
    api.get(page, 404, path={"task_run_id": unknown})

    api.post(deliver, 204, path=run, json={"lines": ["three"], "end": "success"}, headers=for_run)
    last = api.get(page, 200, path=run, query_string={"after": rest["next"]}).get_json()
    assert [entry["line"] for entry in last["lines"]] == ["three"]
    assert (last["next"], last["ended"], last["outcome"]) == (None, True, "success")
    lines = first["lines"] + rest["lines"] + last["lines"]

    # The websocket. Through the test client only a plain GET can be sent, and
    # the routing refuses it (a websocket rule matches upgrade requests only).
    api.get(follow, 400, path=run)
    # The handshake (101), the frames and the close codes need a real socket.
    with serving(api.client.application) as address:
        ws = Client.connect(f"ws://{address}/api/task_runs/{run_id}/logs")
        frames = _frames(ws)
        assert ws.close_reason == 1000
        for n, frame in enumerate(frames):
            api.validate(frame, ["components", "schemas", "LogFrame"], f"{follow} frame {n}")
        assert frames == lines + [{"end": "success"}]
        resumed = Client.connect(
            f"ws://{address}/api/task_runs/{run_id}/logs?after={lines[0]['id']}"
        )
        assert _frames(resumed) == lines[1:] + [{"end": "success"}]
        api.seen.add((follow, "get", "101"))
        for path, code in ((f"{unknown}/logs", 4404), (f"{run_id}/logs?after=nope", 4400)):
            refused = Client.connect(f"ws://{address}/api/task_runs/{path}")
            assert _frames(refused) == []
            assert refused.close_reason == code, path

    # A log store (Redis) that cannot be reached.
    dead = create_app(dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0"), db=world.db)
    dead.testing = True
    down = Api(dead.test_client())
    down.get(page, 503, path=run)
    down.post(deliver, 503, path=run, json={"lines": ["x"]}, headers=for_run)
    api.seen |= down.seen


def _bad_path_parameters(api: Api, world: World) -> None:
    """Each path id that is not a UUID, and each trigger datetime that is not
    RFC 3339 with an offset, is 400 on every route, before any other check."""
    bad = {"uuid": "not-a-uuid", "date-time": "2025-01-01"}
    for path, method, operation in operations():
        for parameter in map(deref, operation.get("parameters", [])):
            kind = parameter["schema"].get("format")
            if parameter["in"] == "path" and kind in bad:
                values = world.ids() | {parameter["name"]: bad[kind]}
                api.call(method.upper(), path, 400, path=values, json={})


# The body each route needs to get as far as looking its ids up.
_BODIES: dict[tuple[str, str], Any] = {
    ("/api/jobs/{job_id}/paused", "put"): {"paused": True},
    ("/api/tasks/{task_id}/tokens", "post"): {"only_failed": True},
}


def _unknown_ids(api: Api, world: World) -> None:
    """Every /api route naming an id that does not exist is 404."""
    for path, method, operation in operations():
        ids = [
            p["name"]
            for p in map(deref, operation.get("parameters", []))
            if p["in"] == "path" and p["schema"].get("format") == "uuid"
        ]
        if ids and "404" in operation["responses"] and not operation.get("security"):
            values = world.ids() | {name: str(uuid.uuid4()) for name in ids}
            body = _BODIES.get((path, method), {})
            api.call(method.upper(), path, 404, path=values, json=body)


def _deletes(api: Api, world: World) -> None:
    job = {"job_id": world.jobs["xjob.yml"]}
    api.delete("/api/jobs/{job_id}", 204, path=job)
    api.delete("/api/jobs/{job_id}", 404, path=job)
    # A task of a deleted job still holding its stash token cannot write there.
    gone = bearer(world.stash_token(job_id=uuid.UUID(job["job_id"])))
    stashed = job | {"trigger_datetime": T0, "key": "late"}
    key = "/int-api/jobs/{job_id}/stash/{trigger_datetime}/{key}"
    api.put(key, 404, path=stashed, headers=gone, data=b"value")
    api.post(key, 404, path=stashed, headers=gone, data=b"value")
    project = {"project_id": world.project_id}
    api.delete("/api/projects/{project_id}", 204, path=project)
    api.get("/api/projects/{project_id}", 404, path=project)
    # A task of a deleted project still holding its stash token cannot write
    # there: its run went with the project, and the token with its run.
    shared = project | {"key": "shared.late"}
    api.put(
        "/int-api/projects/{project_id}/stash/{key}",
        401,
        path=shared,
        headers=world.writer_token,
        data=b"value",
    )
    api.post(
        "/int-api/projects/{project_id}/stash/{key}",
        401,
        path=shared,
        headers=world.writer_token,
        data=b"value",
    )
    assert api.get("/api/projects", 200).get_json() == []
