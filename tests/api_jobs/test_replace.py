"""Replacing a job's whole document through the REST API: removed, returning and
renamed triggers and tasks, rebuilt edges (other jobs' too), kept fired times and
history, and a failed replacement leaving the previous version."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from helpers import (
    COMPLEX_DAG,
    PROJECT_NAME,
    T0,
    XJOB,
    deploy_job,
    deploy_samples,
    insert_run,
    iso,
    job_doc,
    post_job,
    post_sample,
    row_counts,
    sample_doc,
    task_ids,
    trigger_ids,
)
from helpers import get_job as _job
from helpers import graph_edges as _edges

from waterwheel.db.models import TaskEdge, Trigger, TriggerEdge


def test_removed_trigger_is_deleted(client, db, project):
    doc = job_doc(
        triggers=[
            {"name": "daily", "start": "2025-01-01T00:00:00Z", "period": "1d"},
            {"name": "hourly", "start": "2025-01-01T00:00:00Z", "period": "1h"},
        ],
        tasks=[{"name": "a", "depends": ["trigger/daily", "trigger/hourly"]}],
    )
    job_id = deploy_job(client, doc)
    hourly = trigger_ids(client, job_id)["hourly"]

    doc["triggers"].pop()
    doc["tasks"][0]["depends"] = ["trigger/daily"]
    assert post_job(client, doc, "put").status_code == 201

    assert list(trigger_ids(client, job_id)) == ["daily"]
    assert client.get(f"/api/triggers/{hourly}").status_code == 404
    graph = client.get(f"/api/jobs/{job_id}/graph").get_json()
    assert hourly not in {n["id"] for n in graph["nodes"]}
    with db.transaction() as session:
        assert session.get(Trigger, uuid.UUID(hourly)) is None


def test_leaving_out_a_trigger_a_task_still_names_is_400(client, project):
    """A trigger left out while a task still names it is a rejected document."""
    doc = job_doc()
    job_id = deploy_job(client, doc)
    before_triggers = trigger_ids(client, job_id)
    doc["triggers"] = []
    response = post_job(client, doc)
    assert response.status_code == 400
    assert "trigger/daily" in response.get_json()["error"]
    assert trigger_ids(client, job_id) == before_triggers


def test_removed_task_is_hidden_but_its_history_stays(client, db, project):
    doc = job_doc(
        tasks=[
            {"name": "a", "depends": ["trigger/daily"]},
            {"name": "b", "depends": ["task/a"]},
            {"name": "c", "depends": ["task/b"]},
        ]
    )
    job_id = deploy_job(client, doc)
    tasks = task_ids(client, job_id)
    run_id = insert_run(
        db, tasks["b"], T0, state="success", started=T0, finished=T0 + timedelta(minutes=2)
    )

    doc["tasks"] = [
        {"name": "a", "depends": ["trigger/daily"]},
        {"name": "c", "depends": ["task/a"]},
    ]
    assert post_job(client, doc).status_code == 201

    assert task_ids(client, job_id) == {"a": tasks["a"], "c": tasks["c"]}
    graph = client.get(f"/api/jobs/{job_id}/graph").get_json()
    assert tasks["b"] not in {n["id"] for n in graph["nodes"]}
    trigger = trigger_ids(client, job_id)["daily"]
    assert _edges(graph) == {
        (trigger, tasks["a"], "trigger"),
        (tasks["a"], tasks["c"], "success"),
    }
    with db.transaction() as session:
        b = uuid.UUID(tasks["b"])
        edges = session.scalar(
            sa.select(sa.func.count())
            .select_from(TaskEdge)
            .where((TaskEdge.parent_task_id == b) | (TaskEdge.child_task_id == b))
        )
        trigger_edges = session.scalar(
            sa.select(sa.func.count()).select_from(TriggerEdge).where(TriggerEdge.task_id == b)
        )
    assert (edges, trigger_edges) == (0, 0)

    runs = client.get(f"/api/tasks/{tasks['b']}/runs/{iso(T0)}")
    assert runs.status_code == 200
    assert [r["task_run_id"] for r in runs.get_json()] == [run_id]
    assert runs.get_json()[0]["state"] == "success"
    job_runs = client.get(f"/api/jobs/{job_id}/runs/{iso(T0)}").get_json()
    assert [(r["name"], r["task_run_id"]) for r in job_runs] == [("b", run_id)]


def test_removed_task_comes_back_with_its_identity(client, project):
    doc = job_doc()
    job_id = deploy_job(client, doc)
    tasks = task_ids(client, job_id)
    full = doc["tasks"]
    doc["tasks"] = full[:1]
    assert post_job(client, doc).status_code == 201
    assert task_ids(client, job_id) == {"a": tasks["a"]}
    doc["tasks"] = full
    assert post_job(client, doc).status_code == 201
    assert task_ids(client, job_id) == tasks
    graph = client.get(f"/api/jobs/{job_id}/graph").get_json()
    assert (tasks["a"], tasks["b"], "success") in _edges(graph)


def test_renamed_task_gets_a_new_row_and_the_edges_follow(client, project):
    doc = job_doc(
        tasks=[
            {"name": "a", "depends": ["trigger/daily"]},
            {"name": "b", "depends": ["task/a"]},
        ]
    )
    job_id = deploy_job(client, doc)
    before = task_ids(client, job_id)
    doc["tasks"] = [
        {"name": "first", "depends": ["trigger/daily"]},
        {"name": "b", "depends": ["task/first"]},
    ]
    assert post_job(client, doc).status_code == 201
    after = task_ids(client, job_id)
    assert sorted(after) == ["b", "first"]
    assert after["b"] == before["b"]
    assert after["first"] != before["a"]
    graph = client.get(f"/api/jobs/{job_id}/graph").get_json()
    daily = trigger_ids(client, job_id)["daily"]
    assert _edges(graph) == {
        (daily, after["first"], "trigger"),
        (after["first"], after["b"], "success"),
    }
    # The old row is kept for its history.
    old = client.get(f"/api/tasks/{before['a']}")
    assert old.status_code == 200
    assert old.get_json()["task_name"] == "a"


def test_edges_are_rebuilt_from_the_new_document(client, project):
    doc = job_doc(
        tasks=[
            {"name": "a", "depends": ["trigger/daily"]},
            {"name": "b", "depends": ["trigger/daily"]},
            {"name": "c", "depends": ["task/a", "task/b"]},
            {"name": "d", "depends_failure": ["task/a"]},
        ]
    )
    job_id = deploy_job(client, doc)
    t = task_ids(client, job_id)
    daily = trigger_ids(client, job_id)["daily"]
    doc["tasks"] = [
        {"name": "a", "depends": ["trigger/daily"]},
        {"name": "b", "depends": ["task/a@1h"]},
        {"name": "c", "depends": ["task/b"]},
        {"name": "d", "depends_failure": ["task/b", "task/c"]},
    ]
    assert post_job(client, doc).status_code == 201
    graph = client.get(f"/api/jobs/{job_id}/graph").get_json()
    assert _edges(graph) == {
        (daily, t["a"], "trigger"),
        (t["a"], t["b"], "success"),
        (t["b"], t["c"], "success"),
        (t["b"], t["d"], "failure"),
        (t["c"], t["d"], "failure"),
    }
    # The new default threshold of c (one upstream) shows in its activation count.
    assert client.put(f"/api/tasks/{t['c']}/tokens/{iso(T0)}", json={}).status_code == 201
    tokens = client.get(f"/api/jobs/{job_id}/tokens/{iso(T0)}").get_json()
    assert [(tok["task_name"], tok["state"]) for tok in tokens] == [("c", "waiting")]


def test_removing_a_task_other_jobs_depend_on(client, project):
    deploy_samples(client, only=["complex-dag.yml", "xjob.yml"])
    dag, xjob = task_ids(client, COMPLEX_DAG), task_ids(client, XJOB)
    doc = sample_doc("complex-dag.yml")
    doc["tasks"] = [t for t in doc["tasks"] if t["name"] != "stepB3"]
    for task in doc["tasks"]:
        task["depends"] = [r for r in task.get("depends") or [] if r != "task/stepB3"]
        task["depends_failure"] = [
            r for r in task.get("depends_failure") or [] if r != "task/stepB3"
        ]
    assert post_job(client, doc).status_code == 201

    graph = client.get(f"/api/jobs/{XJOB}/graph").get_json()
    assert dag["stepB3"] not in {n["id"] for n in graph["nodes"]}
    assert (dag["stepE"], xjob["step1"], "success") in _edges(graph)
    assert not any(dag["stepB3"] in (e["from"], e["to"]) for e in graph["edges"])
    # A removed task can no longer be referenced.
    response = post_sample(client, "xjob.yml")
    assert response.status_code == 400
    assert "complex dag/task/stepB3" in response.get_json()["error"]


def test_renaming_a_job_keeps_other_jobs_edges(client, project):
    deploy_samples(client, only=["complex-dag.yml", "xjob.yml"])
    dag, xjob = task_ids(client, COMPLEX_DAG), task_ids(client, XJOB)
    doc = sample_doc("complex-dag.yml") | {"name": "complex dag v2"}
    assert post_job(client, doc).status_code == 201
    assert _job(client, COMPLEX_DAG)["name"] == "complex dag v2"
    assert task_ids(client, COMPLEX_DAG) == dag
    graph = client.get(f"/api/jobs/{XJOB}/graph").get_json()
    assert (dag["stepB3"], xjob["step0"], "success") in _edges(graph)
    found = client.get("/api/jobs", query_string={"project": PROJECT_NAME, "name": "complex dag"})
    assert found.status_code == 404


def test_trigger_update_keeps_fired_times(client, db, project):
    doc = job_doc()
    job_id = deploy_job(client, doc)
    daily = trigger_ids(client, job_id)["daily"]
    earliest, latest = T0, T0 + timedelta(days=9)
    with db.transaction() as session:
        row = session.get(Trigger, uuid.UUID(daily))
        row.earliest_trigger_datetime, row.latest_trigger_datetime = earliest, latest
    doc["triggers"][0]["period"] = "12h"
    doc["triggers"][0]["offset"] = "-5m"
    assert post_job(client, doc).status_code == 201
    [trigger] = client.get(f"/api/jobs/{job_id}/triggers").get_json()
    assert trigger["trigger_id"] == daily
    assert (trigger["period"], trigger["trigger_offset"]) == (43200, -300)
    assert trigger["earliest_trigger_datetime"] == iso(earliest)
    assert trigger["latest_trigger_datetime"] == iso(latest)


def test_failed_replacement_leaves_the_previous_version(client, db, project):
    doc = job_doc(
        triggers=[
            {"name": "daily", "start": "2025-01-01T00:00:00Z", "period": "1d"},
            {"name": "weekly", "start": "2025-01-01T00:00:00Z", "period": "1w"},
        ],
        tasks=[
            {"name": "a", "depends": ["trigger/daily"]},
            {"name": "b", "depends": ["task/a", "trigger/weekly"]},
        ],
    )
    job_id = deploy_job(client, doc)
    raw = _job(client, job_id)["raw_definition"]
    tasks, triggers = task_ids(client, job_id), trigger_ids(client, job_id)
    listing = client.get(f"/api/jobs/{job_id}/triggers").get_json()
    graph = client.get(f"/api/jobs/{job_id}/graph").get_json()
    before = row_counts(db)

    changed = job_doc(
        "renamed",
        job_id=job_id,
        triggers=[{"name": "daily", "start": "2025-01-01T00:00:00Z", "period": "2d"}],
        tasks=[
            {"name": "new", "depends": ["trigger/daily"]},
            {"name": "b", "depends": ["task/new", "task/ghost"]},
        ],
    )
    response = post_job(client, changed)
    assert response.status_code == 400
    assert "task/ghost" in response.get_json()["error"]

    job = _job(client, job_id)
    assert (job["name"], job["raw_definition"]) == ("job", raw)
    assert task_ids(client, job_id) == tasks
    assert trigger_ids(client, job_id) == triggers
    assert client.get(f"/api/jobs/{job_id}/graph").get_json() == graph
    assert client.get(f"/api/jobs/{job_id}/triggers").get_json() == listing
    assert row_counts(db) == before
