"""The standalone worker's in-process transport: the API's own answers, no socket."""

from __future__ import annotations

import uuid

from requests.adapters import HTTPAdapter

from waterwheel.auth.tokens import TokenKeys
from waterwheel.config import Settings
from waterwheel.timeutil import format_datetime, utcnow
from waterwheel.worker.api_client import ApiClient
from waterwheel.worker.inprocess import WsgiAdapter

BASE = "http://standalone.invalid:8080/"


def test_in_process_calls_reach_the_api(client, settings):
    api = ApiClient(BASE, TokenKeys.from_settings(settings), client.application)
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


def test_in_process_calls_keep_the_apis_checks(client, settings):
    stranger = Settings(hmac_secret="another-secret-that-is-long-enough-for-hs256")
    api = ApiClient(BASE, TokenKeys.from_settings(stranger), client.application)
    response = api.http.get(f"{api.base}/int-api/tasks/{uuid.uuid4()}")
    assert response.status_code == 401
    response = api.http.post(
        f"{api.base}/int-api/task_runs/{uuid.uuid4()}/start",
        json={"worker_id": str(uuid.uuid4())},
        headers={"Authorization": f"Bearer {api.keys.config_token(uuid.uuid4())}"},
    )
    assert response.status_code == 401
    assert "config token" in response.json()["error"]


def test_only_the_apis_own_address_skips_the_network(client, settings):
    api = ApiClient(BASE, TokenKeys.from_settings(settings), client.application)
    assert isinstance(api.http.get_adapter(BASE + "int-api/heartbeat"), WsgiAdapter)
    assert isinstance(api.http.get_adapter("http://elsewhere.invalid/api/"), HTTPAdapter)
