"""Projects through the REST API: create, list, read with counters, update,
name clashes, deletion with everything it holds, and the project's job list."""

from __future__ import annotations

import uuid
from datetime import timedelta

from helpers import (
    COMPLEX_DAG,
    PROJECT_ID,
    PROJECT_NAME,
    SAMPLE_JOBS,
    SIMPLE,
    T0,
    RecordingPublisher,
    ago,
    bearer,
    config_token,
    create_project,
    deploy_job,
    deploy_samples,
    insert_run,
    insert_token,
    job_doc,
    row_counts,
    sample_doc,
    task_ids,
    trigger_ids,
)

from waterwheel.api import create_app


def test_post_with_uuid_echoes_the_document(client):
    doc = sample_doc("project.json")
    response = client.post("/api/projects", json=doc)
    assert response.status_code == 201
    assert response.get_json() == {
        "uuid": PROJECT_ID,
        "name": "test_project",
        "description": "This is a sample project to demonstrate Waterwheel",
        "config": doc["config"],
    }
    listed = client.get(f"/api/projects/{PROJECT_ID}").get_json()
    assert listed["name"] == "test_project"


def test_put_without_uuid_generates_one(client):
    response = client.put("/api/projects", json={"name": "fresh", "description": "new one"})
    assert response.status_code == 201
    body = response.get_json()
    generated = uuid.UUID(body["uuid"])
    assert str(generated) == body["uuid"]  # lowercase, hyphenated
    assert body == {"uuid": body["uuid"], "name": "fresh", "description": "new one", "config": None}
    fetched = client.get(f"/api/projects/{generated}")
    assert fetched.status_code == 200
    assert fetched.get_json()["id"] == body["uuid"]


def test_two_creates_without_uuid_get_different_ids(client):
    first = create_project(client, "one")
    second = create_project(client, "two")
    assert first["uuid"] != second["uuid"]


def test_list_is_ordered_by_name_with_id_name_description(client):
    made = {name: create_project(client, name, description=f"about {name}") for name in "bca"}
    response = client.get("/api/projects")
    assert response.status_code == 200
    assert response.get_json() == [
        {"id": made[name]["uuid"], "name": name, "description": f"about {name}"} for name in "abc"
    ]


def test_list_stops_at_100(client):
    for n in range(101):
        create_project(client, f"p{n:03d}")
    names = [p["name"] for p in client.get("/api/projects").get_json()]
    assert names == [f"p{n:03d}" for n in range(100)]


def test_list_when_empty(client):
    response = client.get("/api/projects")
    assert response.status_code == 200
    assert response.get_json() == []


def test_find_by_name(client):
    made = create_project(client, "wanted", description="this one")
    create_project(client, "other")
    response = client.get("/api/projects", query_string={"name": "wanted"})
    assert response.status_code == 200
    assert response.get_json() == {"id": made["uuid"], "name": "wanted", "description": "this one"}


def test_find_by_unknown_name_is_404(client):
    create_project(client, "exists")
    response = client.get("/api/projects", query_string={"name": "missing"})
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_get_with_counters_over_recent_runs(client, db):
    deploy_samples(client, only=["simple.json", "complex-dag.yml"])
    simple = task_ids(client, SIMPLE)["step0"]
    dag = task_ids(client, SAMPLE_JOBS["complex-dag.yml"])
    recent, old = ago(minutes=10), ago(hours=3)
    insert_run(db, simple, T0, state="running", started=recent)
    insert_run(db, dag["stepA"], T0, state="running", started=recent)
    insert_run(db, dag["stepB1"], T0, state="waiting")
    insert_run(db, dag["stepB2"], T0, state="active")
    insert_run(db, dag["stepB3"], T0, state="failure", started=recent, finished=recent)
    insert_run(db, dag["stepB4"], T0, state="success", started=recent, finished=recent)
    insert_run(db, dag["stepB5"], T0, state="success", started=recent, finished=recent)
    insert_run(db, dag["stepC1"], T0, state="error", started=recent, finished=recent)
    # Finished more than an hour ago: not counted.
    insert_run(db, dag["stepC2"], T0, state="success", started=old, finished=old)
    insert_run(db, dag["stepD"], T0, state="failure", started=old, finished=old)

    response = client.get(f"/api/projects/{PROJECT_ID}")
    assert response.status_code == 200
    assert response.get_json() == {
        "id": PROJECT_ID,
        "name": PROJECT_NAME,
        "description": "This is a sample project to demonstrate Waterwheel",
        "num_jobs": 2,
        "running_tasks": 2,
        "waiting_tasks": 2,
        "failed_tasks_last_hour": 1,
        "succeeded_tasks_last_hour": 2,
        "error_tasks_last_hour": 1,
    }


def test_get_counts_only_its_own_jobs(client, db):
    deploy_samples(client, only=["simple.json"])
    other = create_project(client, "other")
    job = deploy_job(client, job_doc("elsewhere", project="other"))
    insert_run(db, task_ids(client, job)["a"], T0, state="running", started=ago(minutes=1))
    mine = client.get(f"/api/projects/{PROJECT_ID}").get_json()
    theirs = client.get(f"/api/projects/{other['uuid']}").get_json()
    assert (mine["num_jobs"], mine["running_tasks"]) == (1, 0)
    assert (theirs["num_jobs"], theirs["running_tasks"]) == (1, 1)


def _config(client, settings, project_id):
    response = client.get(
        f"/int-api/projects/{project_id}/config",
        headers=bearer(config_token(settings, project_id)),
    )
    assert response.status_code == 200
    return response.get_json()


def test_update_keeps_config_when_absent_or_null(client, settings):
    config = {"kubernetes_job_ttl_seconds_after_finished": 5}
    made = create_project(client, "configured", config=config)
    project_id = made["uuid"]

    response = client.put(
        "/api/projects", json={"uuid": project_id, "name": "renamed", "description": "changed"}
    )
    assert response.status_code == 201
    assert _config(client, settings, project_id) == config
    fetched = client.get(f"/api/projects/{project_id}").get_json()
    assert (fetched["name"], fetched["description"]) == ("renamed", "changed")

    response = client.post(
        "/api/projects",
        json={"uuid": project_id, "name": "renamed", "description": "again", "config": None},
    )
    assert response.status_code == 201
    assert _config(client, settings, project_id) == config


def test_update_with_config_replaces_it(client, settings):
    made = create_project(client, "configured", config={"a": 1, "b": 2})
    response = client.put(
        "/api/projects",
        json={"uuid": made["uuid"], "name": "configured", "description": "d", "config": {"c": 3}},
    )
    assert response.status_code == 201
    assert response.get_json()["config"] == {"c": 3}
    assert _config(client, settings, made["uuid"]) == {"c": 3}


def test_update_keeps_one_row(client):
    made = create_project(client, "one")
    client.put("/api/projects", json={"uuid": made["uuid"], "name": "one", "description": "new"})
    projects = client.get("/api/projects").get_json()
    assert projects == [{"id": made["uuid"], "name": "one", "description": "new"}]


def test_new_project_with_taken_name_is_409(client):
    first = create_project(client, "taken", description="first")
    response = client.post("/api/projects", json={"name": "taken", "description": "second"})
    assert response.status_code == 409
    assert "already exists" in response.get_json()["error"]
    assert client.get("/api/projects").get_json() == [
        {"id": first["uuid"], "name": "taken", "description": "first"}
    ]


def test_rename_onto_taken_name_is_409_and_changes_nothing(client):
    create_project(client, "taken")
    mine = create_project(client, "mine", description="before")
    response = client.put(
        "/api/projects", json={"uuid": mine["uuid"], "name": "taken", "description": "after"}
    )
    assert response.status_code == 409
    fetched = client.get(f"/api/projects/{mine['uuid']}").get_json()
    assert (fetched["name"], fetched["description"]) == ("mine", "before")


def test_invalid_project_documents_are_400_naming_the_field(client, db):
    before = row_counts(db)
    cases = [
        ({"description": "no name"}, "name"),
        ({"name": "x"}, "description"),
        ({"name": "x", "description": "d", "uuid": "not-a-uuid"}, "uuid"),
        ({"name": 5, "description": "d"}, "name"),
    ]
    for body, field in cases:
        response = client.post("/api/projects", json=body)
        assert response.status_code == 400, body
        assert field in response.get_json()["error"], body
    response = client.post("/api/projects", data=b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert "json" in response.get_json()["error"]
    assert row_counts(db) == before


def test_project_name_longer_than_the_column_is_400(client, db):
    before = row_counts(db)
    response = client.post("/api/projects", json={"name": "p" * 256, "description": "d"})
    assert response.status_code == 400
    assert "name" in response.get_json()["error"]
    assert row_counts(db) == before
    assert (
        client.post("/api/projects", json={"name": "p" * 255, "description": "d"}).status_code
        == 201
    )


def test_project_document_as_text_plain_is_415(client):
    response = client.post(
        "/api/projects", data=b'{"name": "x", "description": "d"}', content_type="text/plain"
    )
    assert response.status_code == 415
    assert "error" in response.get_json()
    assert client.get("/api/projects").get_json() == []


def test_unknown_project_is_404_everywhere(client):
    missing = uuid.uuid4()
    for method, path in [
        ("get", f"/api/projects/{missing}"),
        ("delete", f"/api/projects/{missing}"),
        ("get", f"/api/projects/{missing}/jobs"),
        ("get", f"/api/projects/{missing}/stash"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 404, path
        assert "error" in response.get_json(), path


def test_bad_project_id_is_400(client):
    for method, path in [
        ("get", "/api/projects/not-a-uuid"),
        ("delete", "/api/projects/12345"),
        ("get", "/api/projects/xyz/jobs"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 400, path
        assert "error" in response.get_json(), path


def test_delete_cascades_jobs_runs_tokens_and_stash(client, db, settings):
    deploy_samples(client)
    step0 = task_ids(client, SIMPLE)["step0"]
    insert_run(db, step0, T0, state="success", started=T0, finished=T0 + timedelta(minutes=1))
    insert_token(db, step0, T0, state="success")
    assert client.put(f"/api/projects/{PROJECT_ID}/stash/secret", data=b"s").status_code == 201
    assert client.put("/api/stash/global", data=b"g").status_code == 201
    other = create_project(client, "survivor")
    survivor_doc = job_doc("kept", project="survivor")
    survivor_doc["tasks"].append({"name": "c", "depends": ["test_project/simple_job/task/step0"]})
    survivor_job = deploy_job(client, survivor_doc)
    kept = task_ids(client, survivor_job)
    graph = client.get(f"/api/jobs/{survivor_job}/graph").get_json()
    assert {"from": step0, "to": kept["c"], "kind": "success"} in graph["edges"]

    response = client.delete(f"/api/projects/{PROJECT_ID}")
    assert response.status_code == 204
    assert response.data == b""

    assert client.get(f"/api/projects/{PROJECT_ID}").status_code == 404
    assert client.get(f"/api/jobs/{SIMPLE}").status_code == 404
    assert client.get(f"/api/tasks/{step0}").status_code == 404
    assert client.get("/api/projects").get_json() == [
        {"id": other["uuid"], "name": "survivor", "description": "a project"}
    ]
    counts = row_counts(db)
    assert counts["project_stash"] == 0
    assert counts["task_run"] == 0
    assert counts["token"] == 0
    assert counts["job"] == 1
    assert counts["task"] == 3
    assert counts["global_stash"] == 1
    assert client.get(f"/api/jobs/{survivor_job}").status_code == 200
    assert task_ids(client, survivor_job) == kept
    graph = client.get(f"/api/jobs/{survivor_job}/graph").get_json()
    assert {n["job_id"] for n in graph["nodes"]} == {survivor_job}
    assert not any(step0 in (e["from"], e["to"]) for e in graph["edges"])
    # The name is free again.
    assert client.post("/api/projects", json=sample_doc("project.json")).status_code == 201


def test_delete_tells_schedulers_and_workers(settings, db):
    publisher = RecordingPublisher()
    app = create_app(settings, db=db, publisher=publisher)
    app.testing = True
    client = app.test_client()
    deploy_samples(client, only=["simple.json", "complex-dag.yml"])
    triggers = sorted(
        [*trigger_ids(client, SIMPLE).values(), *trigger_ids(client, COMPLEX_DAG).values()]
    )
    tasks = sorted([*task_ids(client, SIMPLE).values(), *task_ids(client, COMPLEX_DAG).values()])
    publisher.calls.clear()

    assert client.delete(f"/api/projects/{PROJECT_ID}").status_code == 204
    assert publisher.of("project_changed") == [(PROJECT_ID,)]
    # As when its jobs are deleted one by one: schedulers drop the triggers,
    # workers their cached task definitions.
    told_triggers = sorted(i for (ids,) in publisher.of("triggers_changed") for i in ids)
    told_tasks = sorted(i for (ids,) in publisher.of("task_changed") for i in ids)
    assert told_triggers == triggers
    assert told_tasks == tasks


def test_delete_empty_project(client):
    made = create_project(client, "empty")
    assert client.delete(f"/api/projects/{made['uuid']}").status_code == 204
    assert client.get(f"/api/projects/{made['uuid']}").status_code == 404
    assert client.delete(f"/api/projects/{made['uuid']}").status_code == 404


def _job_names(response):
    assert response.status_code == 200, response.get_json()
    return [row["name"] for row in response.get_json()]


def test_project_jobs_ordered_by_name_with_limit_after_and_name(client):
    project = create_project(client, "p")["uuid"]
    for name in ["gamma", "alpha", "delta", "beta"]:
        deploy_job(client, job_doc(name, project="p"))
    create_project(client, "q")
    deploy_job(client, job_doc("aardvark", project="q"))
    base = f"/api/projects/{project}/jobs"

    assert _job_names(client.get(base)) == ["alpha", "beta", "delta", "gamma"]
    assert _job_names(client.get(base, query_string={"limit": 2})) == ["alpha", "beta"]
    assert _job_names(client.get(base, query_string={"after": "beta"})) == ["delta", "gamma"]
    assert _job_names(client.get(base, query_string={"after": "beta", "limit": 1})) == ["delta"]
    assert _job_names(client.get(base, query_string={"after": "gamma"})) == []
    assert _job_names(client.get(base, query_string={"name": "delta"})) == ["delta"]
    assert _job_names(client.get(base, query_string={"name": "aardvark"})) == []
    assert client.get(base, query_string={"limit": "many"}).status_code == 400


def test_project_jobs_rows_carry_run_counts(client, db):
    project = create_project(client, "p")["uuid"]
    busy = deploy_job(client, job_doc("busy", project="p", paused=True))
    idle = deploy_job(client, job_doc("idle", project="p"))
    tasks = task_ids(client, busy)
    now = ago(minutes=5)
    insert_run(db, tasks["a"], T0, state="success", started=now, finished=now)
    insert_run(db, tasks["b"], T0, state="success", started=now, finished=now)
    insert_run(db, tasks["a"], T0 + timedelta(days=1), state="running", started=now)
    insert_run(db, tasks["a"], T0 + timedelta(days=2), state="failure", started=now, finished=now)
    insert_run(db, tasks["a"], T0 + timedelta(days=3), state="active")
    insert_run(db, tasks["b"], T0 + timedelta(days=3), state="waiting")
    insert_run(db, tasks["b"], T0 + timedelta(days=4), state="error", started=now, finished=now)
    old = ago(hours=2)
    insert_run(db, tasks["b"], T0 + timedelta(days=5), state="success", started=old, finished=old)

    rows = client.get(f"/api/projects/{project}/jobs").get_json()
    assert rows == [
        {
            "job_id": busy,
            "name": "busy",
            "description": "the busy job",
            "paused": True,
            "success": 2,
            "running": 1,
            "failure": 1,
            "waiting": 2,
            "error": 1,
        },
        {
            "job_id": idle,
            "name": "idle",
            "description": "the idle job",
            "paused": False,
            "success": 0,
            "running": 0,
            "failure": 0,
            "waiting": 0,
            "error": 0,
        },
    ]
