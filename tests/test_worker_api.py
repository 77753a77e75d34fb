"""The worker's transports to the API: in process (standalone) and over HTTP."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import create_project, deploy_job, insert_run, job_doc, task_ids
from waterwheel.auth.tokens import TokenKeys
from waterwheel.config import Settings
from waterwheel.timeutil import format_datetime, utcnow
from waterwheel.worker.api_client import ApiClient, ApiUnavailable
from waterwheel.worker.claims import IN_FLIGHT, Claims
from waterwheel.worker.inprocess import WsgiTransport

BASE = "http://standalone.invalid:8080/"
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def queued_runs(client, db, count: int) -> tuple[str, uuid.UUID, list[uuid.UUID]]:
    """A job whose task ``a`` has ``count`` queued runs; the job, task and run ids."""
    create_project(client)
    job_id = deploy_job(client, job_doc(paused=False))
    task = task_ids(client, job_id)["a"]
    hours = [T0 + timedelta(hours=n) for n in range(count)]
    runs = [uuid.UUID(insert_run(db, task, at, state="active")) for at in hours]
    return job_id, uuid.UUID(task), runs


def in_process(client, settings: Settings) -> ApiClient:
    return ApiClient(BASE, TokenKeys.from_settings(settings), WsgiTransport(client.application))


def test_in_process_calls_reach_the_api(client, settings):
    api = in_process(client, settings)
    worker_id = str(uuid.uuid4())
    api.heartbeat(
        {
            "uuid": worker_id,
            "addr": "here",
            "last_seen_datetime": format_datetime(utcnow()),
            "running_tasks": 0,
            "total_tasks": 0,
            "version": "test",
        }
    )
    assert worker_id in {w["uuid"] for w in client.get("/api/workers").get_json()}
    assert api.task_definition(uuid.uuid4()) is None  # the API's 404
    unknown = uuid.uuid4()
    assert api.start_runs([unknown], uuid.uuid4(), []) == {unknown: "task run not found"}


def test_in_process_calls_keep_the_apis_checks(client, settings):
    stranger = Settings(hmac_secret="another-secret-that-is-long-enough-for-hs256")
    api = in_process(client, stranger)
    reply = api.call("GET", f"/int-api/tasks/{uuid.uuid4()}", uuid.uuid4())
    assert reply.status == 401
    assert "config token" in reply.error()
    with pytest.raises(ApiUnavailable, match="401"):
        api.start_runs([uuid.uuid4()], uuid.uuid4(), [])


def test_an_unreachable_api_is_reported_not_raised_as_a_crash(settings):
    api = ApiClient("http://127.0.0.1:1/", TokenKeys.from_settings(settings))
    with pytest.raises(ApiUnavailable, match="/int-api/tasks/"):
        api.task_definition(uuid.uuid4())


class CountingTransport(WsgiTransport):
    """The real in-process transport, noting the requests it carries."""

    def __init__(self, app) -> None:
        super().__init__(app)
        self.claims: list[dict] = []
        self.paths: list[str] = []

    def send(self, method, path, headers, body):
        self.paths.append(path)
        if path == "/int-api/task_runs/start":
            self.claims.append(json.loads(body))
            time.sleep(0.05)  # a slow API: the other slots ask meanwhile
        return super().send(method, path, headers, body)


def test_slots_asking_at_once_share_claims(client, settings, db):
    transport = CountingTransport(client.application)
    api = ApiClient(BASE, TokenKeys.from_settings(settings), transport)
    job_id, task, runs = queued_runs(client, db, 12)
    claims = Claims(api, uuid.uuid4())
    answers: dict[uuid.UUID, str | None] = {}

    def slot(run_id: uuid.UUID) -> None:
        answers[run_id] = claims.claim(run_id, task)

    threads = [threading.Thread(target=slot, args=(run_id,)) for run_id in runs * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # Each run was asked for twice: one slot won it, the other heard why not.
    sizes = [len(claim["task_run_ids"]) for claim in transport.claims]
    assert max(sizes) > 1 and sum(sizes) == 24 and len(sizes) < 24
    # The task's definition came with the first claims (those sent before an
    # answer), and was cached.
    asking = [claim["task_ids"] for claim in transport.claims if claim["task_ids"]]
    assert asking and all(ids == [str(task)] for ids in asking) and len(asking) <= IN_FLIGHT
    assert api.task_definition(task).task_name == "a"
    assert not any(path.startswith("/int-api/tasks/") for path in transport.paths)
    states = {}
    for hour in range(12):
        at = format_datetime(T0 + timedelta(hours=hour))
        states |= {
            r["task_run_id"]: r["state"]
            for r in client.get(f"/api/jobs/{job_id}/runs/{at}").get_json()
        }
    assert all(states[str(run_id)] == "running" for run_id in runs)
    assert all(answers[run_id] in (None, "task run is running, not queued") for run_id in runs)


def test_a_failed_claim_reaches_every_slot_that_waited(settings):
    claims = Claims(
        ApiClient("http://127.0.0.1:1/", TokenKeys.from_settings(settings)), uuid.uuid4()
    )
    with pytest.raises(ApiUnavailable):
        claims.claim(uuid.uuid4(), uuid.uuid4())
