"""Reading jobs through the REST API: lookup by project and name, a job's details
and run counters, its task listing, a task's definition, and unknown or
malformed ids."""

from __future__ import annotations

import uuid

from helpers import (
    COMPLEX_DAG,
    PROJECT_ID,
    PROJECT_NAME,
    SAMPLE_JOBS,
    SIMPLE,
    T0,
    ago,
    deploy_samples,
    insert_run,
    sample_doc,
    task_ids,
)
from helpers import get_job as _job
from helpers import pick as _pick


def test_get_by_project_and_name(client, project):
    deploy_samples(client, only=["simple.json"])
    response = client.get("/api/jobs", query_string={"project": PROJECT_NAME, "name": "simple_job"})
    assert response.status_code == 200
    assert response.get_json() == {
        "id": SIMPLE,
        "project_id": PROJECT_ID,
        "name": "simple_job",
        "description": "a simple job to test that waterwheel is working",
        "paused": True,
    }
    for query in [
        {"project": PROJECT_NAME, "name": "nope"},
        {"project": "nope", "name": "simple_job"},
    ]:
        assert client.get("/api/jobs", query_string=query).status_code == 404
    for query in [{"project": PROJECT_NAME}, {"name": "simple_job"}, {}]:
        response = client.get("/api/jobs", query_string=query)
        assert response.status_code == 400
        assert "error" in response.get_json()


def test_job_extra_shape_and_counters(client, db, project):
    deploy_samples(client, only=["complex-dag.yml"])
    t = task_ids(client, COMPLEX_DAG)
    now = ago(minutes=3)
    insert_run(db, t["stepA"], T0, state="running", started=now)
    insert_run(db, t["stepB1"], T0, state="active")
    insert_run(db, t["stepB2"], T0, state="waiting")
    insert_run(db, t["stepB3"], T0, state="failure", started=now, finished=now)
    insert_run(db, t["stepB4"], T0, state="success", started=now, finished=now)
    insert_run(db, t["stepB5"], T0, state="error", started=now, finished=now)
    insert_run(db, t["stepC1"], T0, state="success", started=ago(hours=5), finished=ago(hours=4))
    job = _job(client, COMPLEX_DAG)
    assert list(job) == [
        "id",
        "name",
        "project",
        "project_id",
        "description",
        "paused",
        "raw_definition",
        "active_tasks",
        "waiting_tasks",
        "failed_tasks_last_hour",
        "succeeded_tasks_last_hour",
        "error_tasks_last_hour",
    ]
    assert {k: v for k, v in job.items() if k != "raw_definition"} == {
        "id": COMPLEX_DAG,
        "name": "complex dag",
        "project": PROJECT_NAME,
        "project_id": PROJECT_ID,
        "description": "a sample job with a complex dag",
        "paused": True,
        "active_tasks": 1,
        "waiting_tasks": 2,
        "failed_tasks_last_hour": 1,
        "succeeded_tasks_last_hour": 1,
        "error_tasks_last_hour": 1,
    }


def test_job_tasks_listing(client, project):
    deploy_samples(client, only=["complex-dag.yml"])
    response = client.get(f"/api/jobs/{COMPLEX_DAG}/tasks")
    assert response.status_code == 200
    rows = response.get_json()
    names = [r["name"] for r in rows]
    assert names == sorted(t["name"] for t in sample_doc("complex-dag.yml")["tasks"])
    assert all(set(r) == {"task_id", "name"} for r in rows)
    assert len({r["task_id"] for r in rows}) == len(rows)


def test_task_definition(client, project):
    deploy_samples(client, only=["retry.json"])
    job_id = SAMPLE_JOBS["retry.json"]
    t = task_ids(client, job_id)
    response = client.get(f"/api/tasks/{t['step0']}")
    assert response.status_code == 200
    body = response.get_json()
    keys = ["task_id", "task_name", "job_id", "job_name", "project_id", "project_name"]
    keys += ["image", "args", "env", "paused", "timeout"]
    assert _pick(body, *keys) == {
        "task_id": t["step0"],
        "task_name": "step0",
        "job_id": job_id,
        "job_name": "retry_demo",
        "project_id": PROJECT_ID,
        "project_name": PROJECT_NAME,
        "image": "waterwheel_random:1",
        "args": [],
        "env": ["FAIL_PERCENTAGE=95"],
        "paused": True,
        "timeout": {"secs": 50, "nanos": 0},
    }
    noop = client.get(f"/api/tasks/{t['success']}").get_json()
    assert (noop["image"], noop["args"], noop["env"], noop["timeout"]) == (None, [], None, None)


def test_unknown_or_malformed_job_id(client):
    missing = uuid.uuid4()
    for path in ["", "/tasks", "/graph", "/triggers", "/duration", "/tokens", "/tokens-overview"]:
        response = client.get(f"/api/jobs/{missing}{path}")
        assert response.status_code == 404, path
        assert "error" in response.get_json(), path
        response = client.get(f"/api/jobs/not-a-uuid{path}")
        assert response.status_code == 400, path
        assert "error" in response.get_json(), path
    assert client.get(f"/api/tasks/{missing}").status_code == 404
    assert client.get("/api/tasks/123").status_code == 400
