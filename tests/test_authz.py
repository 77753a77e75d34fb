"""Authorization by an OPA server: the input document each route sends, and
what the API does with the answer.

No OPA server can be installed on these machines (no package ships its binary),
so the policy runs in a small HTTP endpoint of the test that speaks OPA's data
API: the original's sample policy (every Get and List allowed; anything else
only through the form-login proxy's header).
"""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import HMAC_SECRET, deploy_sample_project, deploy_samples
from tests.opa import PolicyServer
from waterwheel.api import create_app
from waterwheel.config import Settings

LOGIN = {"x-seal-mechanism": "seal/formlogin"}


@pytest.fixture
def policy():
    server = PolicyServer()
    yield server
    server.http.shutdown()


@pytest.fixture
def client(db, policy):
    settings = Settings(hmac_secret=HMAC_SECRET, opa_sidecar_addr=policy.url)
    app = create_app(settings, db=db)
    app.testing = True
    return app.test_client()


@pytest.fixture
def samples(db):
    """The sample project and jobs, deployed with authorization off."""
    app = create_app(Settings(hmac_secret=HMAC_SECRET, no_authz=True), db=db)
    open_client = app.test_client()
    project = deploy_sample_project(open_client)
    return project, deploy_samples(open_client, only=["simple.json", "complex-dag.yml"])


def test_reads_are_allowed_and_send_the_originals_input(client, policy, samples):
    project, jobs = samples
    job_id = jobs["simple.json"]
    response = client.get(f"/api/jobs/{job_id}", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 200
    (document,) = policy.inputs
    assert document["action"] == "Get"
    assert document["object"] == {"project_id": project["uuid"], "job_id": job_id, "kind": "job"}
    assert document["principal"] == {"bearer": "abc"}
    assert document["http"]["method"] == "GET"
    assert document["http"]["headers"]["authorization"] == "Bearer abc"


def test_writes_need_the_policy_to_say_yes(client, policy, samples):
    _, jobs = samples
    job_id = jobs["simple.json"]
    denied = client.put(f"/api/jobs/{job_id}/paused", json={"paused": False})
    assert denied.status_code == 403
    assert denied.get_json()["error"] == "Update job is not allowed"
    assert client.get(f"/api/jobs/{job_id}/paused").get_json() is True  # nothing changed
    allowed = client.put(f"/api/jobs/{job_id}/paused", json={"paused": False}, headers=LOGIN)
    assert allowed.status_code == 204
    kinds = [(d["action"], d["object"]["kind"]) for d in policy.inputs]
    assert kinds == [("Update", "job"), ("Get", "job"), ("Update", "job")]


@pytest.mark.parametrize(
    ("method", "path", "action", "kind"),
    [
        ("get", "/api/status", "Get", "status"),
        ("get", "/api/projects", "List", "project"),
        ("get", "/api/workers", "List", "workers"),
        ("get", "/api/schedulers", "List", "schedulers"),
        ("get", "/api/stash", "List", "stash"),
        ("put", "/api/stash/key", "Update", "stash"),
        ("delete", "/api/stash/key", "Delete", "stash"),
    ],
)
def test_each_route_asks_for_its_action_and_kind(client, policy, method, path, action, kind):
    getattr(client, method)(path)
    assert [(d["action"], d["object"]["kind"]) for d in policy.inputs] == [(action, kind)]


def test_task_routes_name_their_job_and_project(client, policy, samples):
    project, jobs = samples
    dag = jobs["complex-dag.yml"]
    task = client.get(f"/api/jobs/{dag}/tasks").get_json()[0]["task_id"]
    policy.inputs.clear()
    activated = client.put(f"/api/tasks/{task}/tokens/2025-01-01T00:00:00Z", json={})
    assert activated.status_code == 403  # the original let anyone activate (a gap)
    assert policy.inputs[0]["object"] == {
        "project_id": project["uuid"],
        "job_id": dag,
        "kind": "job",
    }


def test_a_denied_caller_cannot_tell_what_exists(client, policy):
    missing = client.delete(f"/api/jobs/{uuid.uuid4()}")
    assert missing.status_code == 403
    assert client.get(f"/api/jobs/{uuid.uuid4()}").status_code == 404  # reads are allowed


def test_no_policy_server_denies_and_a_failing_one_is_a_503(db, policy):
    closed = create_app(Settings(hmac_secret=HMAC_SECRET), db=db).test_client()
    assert closed.get("/api/projects").status_code == 403
    policy.down = True
    app = create_app(Settings(hmac_secret=HMAC_SECRET, opa_sidecar_addr=policy.url), db=db)
    failing = app.test_client().get("/api/projects")
    assert failing.status_code == 503
    assert "authorization server failed" in failing.get_json()["error"]


def test_tasks_stash_reads_use_their_token_not_the_policy(client, policy):
    # /int-api is for tasks and workers: their signed tokens decide, not OPA.
    assert client.get("/int-api/stash/key").status_code == 401
    assert policy.inputs == []
