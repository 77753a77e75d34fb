"""The worker's transports to the API: in process (standalone) and over HTTP."""

from __future__ import annotations

import uuid

import pytest

from waterwheel.auth.tokens import TokenKeys
from waterwheel.config import Settings
from waterwheel.timeutil import format_datetime, utcnow
from waterwheel.worker.api_client import ApiClient, ApiUnavailable
from waterwheel.worker.inprocess import WsgiTransport

BASE = "http://standalone.invalid:8080/"


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
    assert api.start_run(uuid.uuid4(), uuid.uuid4()) == "task run not found"


def test_in_process_calls_keep_the_apis_checks(client, settings):
    stranger = Settings(hmac_secret="another-secret-that-is-long-enough-for-hs256")
    api = in_process(client, stranger)
    reply = api.call("GET", f"/int-api/tasks/{uuid.uuid4()}", uuid.uuid4())
    assert reply.status == 401
    assert "config token" in reply.error()
    with pytest.raises(ApiUnavailable, match="401"):
        api.start_run(uuid.uuid4(), uuid.uuid4())


def test_an_unreachable_api_is_reported_not_raised_as_a_crash(settings):
    api = ApiClient("http://127.0.0.1:1/", TokenKeys.from_settings(settings))
    with pytest.raises(ApiUnavailable, match="/int-api/tasks/"):
        api.task_definition(uuid.uuid4())
