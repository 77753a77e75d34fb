"""Pausing jobs through the REST API: the paused flag of the document, and
GET/PUT /api/jobs/:id/paused."""

from __future__ import annotations

import uuid

import pytest
from helpers import deploy_job, job_doc, post_job, task_ids
from helpers import get_job as _job


def test_paused_defaults_to_false_and_is_kept_when_absent(client, project):
    doc = job_doc()
    job_id = deploy_job(client, doc)
    assert _job(client, job_id)["paused"] is False
    assert client.get(f"/api/jobs/{job_id}/paused").get_json() is False

    assert client.put(f"/api/jobs/{job_id}/paused", json={"paused": True}).status_code == 204
    assert client.get(f"/api/jobs/{job_id}/paused").get_json() is True
    assert post_job(client, doc).status_code == 201  # no paused field
    assert _job(client, job_id)["paused"] is True
    assert post_job(client, doc | {"paused": None}).status_code == 201
    assert _job(client, job_id)["paused"] is True
    assert post_job(client, doc | {"paused": False}).status_code == 201
    assert _job(client, job_id)["paused"] is False


def test_paused_on_create(client, project):
    job_id = deploy_job(client, job_doc(paused=True))
    assert client.get(f"/api/jobs/{job_id}/paused").get_json() is True


def test_put_paused(client, project):
    job_id = deploy_job(client, job_doc())
    response = client.put(f"/api/jobs/{job_id}/paused", json={"paused": True})
    assert response.status_code == 204
    assert _job(client, job_id)["paused"] is True
    task = task_ids(client, job_id)["a"]
    assert client.get(f"/api/tasks/{task}").get_json()["paused"] is True
    # Applied even when unchanged.
    assert client.put(f"/api/jobs/{job_id}/paused", json={"paused": True}).status_code == 204
    assert client.put(f"/api/jobs/{job_id}/paused", json={"paused": False}).status_code == 204
    assert client.get(f"/api/jobs/{job_id}/paused").get_json() is False


@pytest.mark.parametrize("body", [{}, {"paused": "true"}, {"paused": 1}, {"paused": None}])
def test_put_paused_needs_a_boolean(client, project, body):
    job_id = deploy_job(client, job_doc(paused=True))
    response = client.put(f"/api/jobs/{job_id}/paused", json=body)
    assert response.status_code == 400
    assert "paused" in response.get_json()["error"]
    assert client.get(f"/api/jobs/{job_id}/paused").get_json() is True


def test_paused_of_unknown_job_is_404(client):
    missing = uuid.uuid4()
    assert client.get(f"/api/jobs/{missing}/paused").status_code == 404
    response = client.put(f"/api/jobs/{missing}/paused", json={"paused": True})
    assert response.status_code == 404
    assert "error" in response.get_json()
