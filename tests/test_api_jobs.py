"""Jobs through the REST API: documents in (samples, media types, malformed
documents), whole-document replacement, pausing, reading, the graph, the
triggers, durations and deletion."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import yaml
from helpers import (
    COMPLEX_DAG,
    JSON,
    PROJECT_ID,
    PROJECT_NAME,
    SAMPLE_JOBS,
    SIMPLE,
    T0,
    XJOB,
    YAML,
    RecordingPublisher,
    ago,
    bearer,
    create_project,
    deploy_job,
    deploy_sample_project,
    deploy_samples,
    insert_run,
    insert_token,
    iso,
    job_doc,
    post_job,
    post_sample,
    row_counts,
    sample_bytes,
    sample_doc,
    stash_token,
    task_ids,
    trigger_ids,
)

from waterwheel.api import create_app
from waterwheel.db.models import TaskEdge, Trigger, TriggerEdge


@pytest.fixture
def project(client):
    return deploy_sample_project(client)


def _job(client, job_id):
    response = client.get(f"/api/jobs/{job_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _raw(client, job_id):
    return json.loads(_job(client, job_id)["raw_definition"])


def _pick(mapping, *keys):
    """The given keys of a mapping (KeyError when one is missing)."""
    return {key: mapping[key] for key in keys}


def _edges(graph):
    return {(e["from"], e["to"], e["kind"]) for e in graph["edges"]}


# Submitting documents.


@pytest.mark.parametrize("method", ["post", "put"])
def test_every_sample_is_accepted(client, method):
    deploy_sample_project(client)
    for filename, job_id in SAMPLE_JOBS.items():
        response = post_sample(client, filename, method)
        assert response.status_code == 201, (filename, response.get_json())
        doc = sample_doc(filename)
        job = _job(client, job_id)
        assert (job["name"], job["description"], job["paused"]) == (
            doc["name"],
            doc["description"],
            doc["paused"],
        )
        assert (job["project"], job["project_id"]) == (PROJECT_NAME, PROJECT_ID)
        assert sorted(task_ids(client, job_id)) == sorted(t["name"] for t in doc["tasks"])
        assert sorted(trigger_ids(client, job_id)) == sorted(t["name"] for t in doc["triggers"])
    jobs = client.get(f"/api/projects/{PROJECT_ID}/jobs").get_json()
    assert len(jobs) == len(SAMPLE_JOBS)


def test_invalid_sample_is_400_naming_the_reference_and_writes_nothing(client, db, project):
    before = row_counts(db)
    response = post_sample(client, "invalid.yml")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "task/x" in error
    assert "tasks[0].depends[0]" in error
    assert row_counts(db) == before
    assert client.get("/api/jobs/28475bfe-e56e-4e72-8196-c52321d18c49").status_code == 404


def test_xjob_needs_complex_dag_first(client, db, project):
    before = row_counts(db)
    response = post_sample(client, "xjob.yml")
    assert response.status_code == 400
    assert "complex dag/task/stepB3" in response.get_json()["error"]
    assert row_counts(db) == before

    assert post_sample(client, "complex-dag.yml").status_code == 201
    assert post_sample(client, "xjob.yml").status_code == 201
    dag = task_ids(client, COMPLEX_DAG)
    xjob = task_ids(client, XJOB)
    graph = client.get(f"/api/jobs/{XJOB}/graph").get_json()
    assert (dag["stepB3"], xjob["step0"], "success") in _edges(graph)
    assert (dag["stepE"], xjob["step1"], "success") in _edges(graph)


def test_cross_project_four_part_references(client, project):
    deploy_samples(client, only=["complex-dag.yml", "simple.json"])
    create_project(client, "other")
    doc = job_doc(
        "consumer",
        project="other",
        triggers=[],
        tasks=[
            {"name": "after_a", "depends": ["test_project/complex dag/task/stepA@1h"]},
            {"name": "on_fail", "depends_failure": ["test_project/complex dag/task/stepD"]},
            {"name": "daily", "depends": ["test_project/simple_job/trigger/daily"]},
            {"name": "local", "depends": ["other/consumer/task/after_a"]},
        ],
    )
    job_id = deploy_job(client, doc)
    mine = task_ids(client, job_id)
    dag = task_ids(client, COMPLEX_DAG)
    simple_trigger = trigger_ids(client, SIMPLE)["daily"]

    graph = client.get(f"/api/jobs/{job_id}/graph").get_json()
    assert _edges(graph) == {
        (dag["stepA"], mine["after_a"], "success"),
        (dag["stepD"], mine["on_fail"], "failure"),
        (simple_trigger, mine["daily"], "trigger"),
        (mine["after_a"], mine["local"], "success"),
    }
    upstream = {n["id"]: n for n in graph["nodes"] if n["job_id"] != job_id}
    assert upstream[dag["stepA"]]["job_id"] == COMPLEX_DAG
    assert upstream[simple_trigger] == {
        "id": simple_trigger,
        "kind": "trigger",
        "name": "daily",
        "job_id": SIMPLE,
        "state": None,
    }


def test_reference_to_unknown_project_is_400(client, db, project):
    deploy_samples(client, only=["complex-dag.yml"])
    before = row_counts(db)
    doc = job_doc(tasks=[{"name": "t", "depends": ["nowhere/complex dag/task/stepA"]}])
    response = post_job(client, doc)
    assert response.status_code == 400
    assert "nowhere/complex dag/task/stepA" in response.get_json()["error"]
    assert row_counts(db) == before


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "Application/JSON",
        None,
    ],
)
def test_json_media_types(client, project, content_type):
    doc = job_doc("as_json")
    body = json.dumps(doc).encode()
    if content_type is None:
        response = client.post("/api/jobs", data=body)
    else:
        response = client.post("/api/jobs", data=body, content_type=content_type)
    assert response.status_code == 201, response.get_json()
    assert _job(client, doc["uuid"])["name"] == "as_json"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-yaml",
        "application/yaml",
        "text/yaml",
        "text/x-yaml",
        "application/x-yaml; charset=utf-8",
    ],
)
def test_yaml_media_types(client, project, content_type):
    doc = job_doc("as_yaml")
    response = client.post("/api/jobs", data=yaml.safe_dump(doc), content_type=content_type)
    assert response.status_code == 201, response.get_json()
    assert _job(client, doc["uuid"])["name"] == "as_yaml"


def test_json_and_yaml_store_the_same_definition(client, project):
    doc = job_doc("same")
    assert client.post("/api/jobs", data=yaml.safe_dump(doc), content_type=YAML).status_code == 201
    from_yaml = _job(client, doc["uuid"])["raw_definition"]
    assert client.post("/api/jobs", data=json.dumps(doc), content_type=JSON).status_code == 201
    assert _job(client, doc["uuid"])["raw_definition"] == from_yaml


def test_yaml_sent_as_json_is_400(client, db, project):
    before = row_counts(db)
    response = client.post("/api/jobs", data=sample_bytes("demo.yml"), content_type=JSON)
    assert response.status_code == 400
    assert "json" in response.get_json()["error"]
    assert row_counts(db) == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_unsupported_media_type_is_415(client, db, project, content_type):
    before = row_counts(db)
    response = client.post("/api/jobs", data=json.dumps(job_doc()), content_type=content_type)
    assert response.status_code == 415
    error = response.get_json()["error"]
    assert "application/json" in error and "application/x-yaml" in error
    assert row_counts(db) == before


MALFORMED = [
    ("no uuid", lambda d: d.pop("uuid"), "uuid"),
    ("bad uuid", lambda d: d.update(uuid="not-a-uuid"), "uuid"),
    ("no description", lambda d: d.pop("description"), "description"),
    ("no tasks", lambda d: d.pop("tasks"), "tasks"),
    ("paused string", lambda d: d.update(paused="yes"), "paused"),
    ("zero period", lambda d: d["triggers"][0].update(period="0s"), "triggers[0].period"),
    ("numeric period", lambda d: d["triggers"][0].update(period=60), "triggers[0].period"),
    ("bare number period", lambda d: d["triggers"][0].update(period="60"), "triggers[0].period"),
    ("period and cron", lambda d: d["triggers"][0].update(cron="@daily"), "triggers[0]"),
    ("no schedule", lambda d: d["triggers"][0].pop("period"), "triggers[0]"),
    (
        "four-field cron",
        lambda d: d["triggers"][0].pop("period") and d["triggers"][0].update(cron="* * * *"),
        "triggers[0].cron",
    ),
    ("bad offset", lambda d: d["triggers"][0].update(offset="soon"), "triggers[0].offset"),
    ("date-only start", lambda d: d["triggers"][0].update(start="2025-01-01"), "triggers[0].start"),
    (
        "end before start",
        lambda d: d["triggers"][0].update(end="2024-01-01T00:00:00Z"),
        "triggers[0].end",
    ),
    ("bad catchup", lambda d: d["triggers"][0].update(catchup="often"), "triggers[0].catchup"),
    (
        "duplicate trigger",
        lambda d: d["triggers"].append(dict(d["triggers"][0])),
        "triggers[1].name",
    ),
    ("docker without args", lambda d: d["tasks"][0]["docker"].pop("args"), "tasks[0].docker"),
    (
        "env without =",
        lambda d: d["tasks"][0]["docker"].update(env=["NOEQUALS"]),
        "tasks[0].docker.env[0]",
    ),
    ("bad timeout", lambda d: d["tasks"][0].update(timeout="long"), "tasks[0].timeout"),
    (
        "bad retry delay",
        lambda d: d["tasks"][0].update(retry={"max_attempts": 3, "delay": "1.5h"}),
        "tasks[0].retry.delay",
    ),
    ("retry without attempts", lambda d: d["tasks"][0].update(retry={}), "tasks[0].retry"),
    ("zero threshold", lambda d: d["tasks"][0].update(threshold=0), "tasks[0].threshold"),
    (
        "fail code is the skip code",
        lambda d: d["tasks"][0].update(skip_exit_code=99, fail_exit_code=99),
        "tasks[0].fail_exit_code",
    ),
    (
        "empty stash write prefix",
        lambda d: d["tasks"][0].update(project_stash_write=[""]),
        "tasks[0].project_stash_write[0]",
    ),
    ("float threshold", lambda d: d["tasks"][0].update(threshold=1.5), "tasks[0].threshold"),
    ("duplicate task", lambda d: d["tasks"][1].update(name="a"), "tasks[1].name"),
    (
        "bad reference",
        lambda d: d["tasks"][1].update(depends=["job/a"]),
        "tasks[1].depends[0]",
    ),
    (
        "bad reference offset",
        lambda d: d["tasks"][1].update(depends=["task/a@later"]),
        "tasks[1].depends[0]",
    ),
    (
        "same upstream twice",
        lambda d: d["tasks"][1].update(depends=["task/a", "task/a@1h"]),
        "tasks[1].depends[1]",
    ),
    (
        "failure edge from trigger",
        lambda d: d["tasks"][1].update(depends_failure=["trigger/daily"]),
        "tasks[1].depends_failure[0]",
    ),
    (
        "missing task",
        lambda d: d["tasks"][1].update(depends=["task/missing"]),
        "tasks[1].depends[0]",
    ),
    (
        "missing trigger",
        lambda d: d["tasks"][0].update(depends=["trigger/hourly"]),
        "tasks[0].depends[0]",
    ),
    (
        "missing other job",
        lambda d: d["tasks"][1].update(depends=["nojob/task/a"]),
        "tasks[1].depends[0]",
    ),
    ("unknown project", lambda d: d.update(project="nope"), "project"),
    # Longer than the database columns hold.
    ("job name too long", lambda d: d.update(name="n" * 256), "name"),
    ("task name too long", lambda d: d["tasks"][2].update(name="t" * 256), "tasks[2].name"),
    (
        "trigger name too long",
        lambda d: d["triggers"].append(
            {"name": "x" * 256, "start": "2025-01-01T00:00:00Z", "period": "1d"}
        ),
        "triggers[1].name",
    ),
    (
        "image too long",
        lambda d: d["tasks"][0]["docker"].update(image="i" * 1025),
        "tasks[0].docker.image",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field"), [(m, f) for _, m, f in MALFORMED], ids=[n for n, _, _ in MALFORMED]
)
def test_malformed_document_is_400_naming_the_field_and_writes_nothing(
    client, db, project, mutate, field
):
    original = job_doc("stable", paused=True)
    deploy_job(client, original)
    raw_before = _job(client, original["uuid"])["raw_definition"]
    tasks_before = task_ids(client, original["uuid"])
    before = row_counts(db)

    doc = job_doc("stable", job_id=original["uuid"], paused=False)
    doc["tasks"].append({"name": "extra", "depends": ["trigger/daily"]})
    mutate(doc)
    response = post_job(client, doc)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert field in error, error

    assert row_counts(db) == before
    job = _job(client, original["uuid"])
    assert job["raw_definition"] == raw_before
    assert job["paused"] is True
    assert task_ids(client, original["uuid"]) == tasks_before


@pytest.mark.parametrize(
    ("body", "content_type", "word"),
    [
        (b"{", JSON, "json"),
        (b"", JSON, "json"),
        (b"[]", JSON, "object"),
        (b'{"uuid": NaN}', JSON, "NaN"),
        (b"a: [", YAML, "yaml"),
        (b"- just\n- a list\n", YAML, "object"),
    ],
)
def test_unparsable_body_is_400(client, db, project, body, content_type, word):
    before = row_counts(db)
    response = client.post("/api/jobs", data=body, content_type=content_type)
    assert response.status_code == 400
    assert word in response.get_json()["error"]
    assert row_counts(db) == before


# Replacing a job.


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


def test_renaming_onto_another_jobs_name_is_409(client, db, project):
    deploy_job(client, job_doc("taken"))
    doc = job_doc("mine")
    job_id = deploy_job(client, doc)
    raw = _job(client, job_id)["raw_definition"]
    before = row_counts(db)
    response = post_job(client, doc | {"name": "taken"})
    assert response.status_code == 409
    assert "taken" in response.get_json()["error"]
    assert _job(client, job_id)["raw_definition"] == raw
    assert row_counts(db) == before


def test_new_job_with_a_taken_name_is_409_but_other_projects_may_use_it(client, project):
    first = deploy_job(client, job_doc("shared"))
    assert post_job(client, job_doc("shared")).status_code == 409
    create_project(client, "other")
    second = deploy_job(client, job_doc("shared", project="other"))
    assert first != second
    found = client.get("/api/jobs", query_string={"project": "other", "name": "shared"})
    assert found.get_json()["id"] == second


def test_job_moves_to_another_project(client, project):
    other = create_project(client, "other")
    doc = job_doc("mover")
    job_id = deploy_job(client, doc)
    assert post_job(client, doc | {"project": "other"}).status_code == 201
    job = _job(client, job_id)
    assert (job["project"], job["project_id"]) == ("other", other["uuid"])
    assert client.get(f"/api/projects/{PROJECT_ID}/jobs").get_json() == []


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


def test_raw_definition_is_normalised(client, project):
    text = """
uuid: 'AB1C2D3E-0000-4000-8000-0000000000FF'
project: test_project
name: normalised
description: d
unknown_top: dropped
triggers:
  - name: t
    start: 2025-01-01T02:00:00+02:00
    end: '2025-02-01T00:00:00.500Z'
    period: 1h 30m
    colour: blue
tasks:
  - name: a
    docker: {image: bash, args: [-c, 'true'], extra: 1}
    depends: [trigger/t@1h]
    retry: {max_attempts: 2}
    timeout: 50s
  - name: b
    depends_failure: [task/a]
"""
    response = client.post("/api/jobs", data=text, content_type="text/yaml")
    assert response.status_code == 201, response.get_json()
    job_id = "ab1c2d3e-0000-4000-8000-0000000000ff"
    raw_text = _job(client, job_id)["raw_definition"]
    raw = json.loads(raw_text)
    assert raw_text == json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
    assert list(raw) == ["uuid", "project", "name", "description", "paused", "triggers", "tasks"]
    assert raw["uuid"] == job_id
    assert raw["paused"] is None
    assert raw["triggers"] == [
        {
            "name": "t",
            "start": "2025-01-01T00:00:00Z",
            "end": "2025-02-01T00:00:00.500000Z",
            "period": "1h 30m",
            "cron": None,
            "offset": None,
            "catchup": None,
        }
    ]
    assert list(raw["triggers"][0]) == [
        "name",
        "start",
        "end",
        "period",
        "cron",
        "offset",
        "catchup",
    ]
    a, b = raw["tasks"]
    # The original's keys come first, in its order; later additions follow them.
    assert list(a)[:7] == [
        "name",
        "docker",
        "depends",
        "depends_failure",
        "threshold",
        "retry",
        "timeout",
    ]
    assert _pick(a, "name", "depends", "depends_failure", "threshold", "timeout") == {
        "name": "a",
        "depends": ["trigger/t@1h"],
        "depends_failure": None,
        "threshold": None,
        "timeout": "50s",
    }
    assert list(a["docker"])[:3] == ["image", "args", "env"]
    assert _pick(a["docker"], "image", "args", "env") == {
        "image": "bash",
        "args": ["-c", "true"],
        "env": None,
    }
    assert "extra" not in a["docker"]
    assert list(a["retry"])[:2] == ["max_attempts", "delay"]
    assert _pick(a["retry"], "max_attempts", "delay") == {"max_attempts": 2, "delay": None}
    assert b["docker"] is None and b["depends_failure"] == ["task/a"]
    assert _job(client, job_id)["paused"] is False


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


# The graph.


def _expected_dag_edges(dag, daily, xjob):
    edges = set()
    for task in sample_doc("complex-dag.yml")["tasks"]:
        for ref in task.get("depends") or []:
            kind, name = ref.split("/")
            parent = daily if kind == "trigger" else dag[name]
            edges.add((parent, dag[task["name"]], "trigger" if kind == "trigger" else "success"))
        for ref in task.get("depends_failure") or []:
            edges.add((dag[ref.split("/")[1]], dag[task["name"]], "failure"))
    edges.add((dag["stepB3"], xjob["step0"], "success"))
    edges.add((dag["stepE"], xjob["step1"], "success"))
    return edges


def test_graph_of_complex_dag_includes_downstream_jobs(client, project):
    deploy_samples(client, only=["complex-dag.yml", "xjob.yml", "simple.json"])
    dag, xjob = task_ids(client, COMPLEX_DAG), task_ids(client, XJOB)
    daily = trigger_ids(client, COMPLEX_DAG)["daily"]
    response = client.get(f"/api/jobs/{COMPLEX_DAG}/graph")
    assert response.status_code == 200
    graph = response.get_json()

    expected_nodes = {(daily, "trigger", "daily", COMPLEX_DAG)}
    expected_nodes |= {(i, "task", n, COMPLEX_DAG) for n, i in dag.items()}
    expected_nodes |= {(xjob[n], "task", n, XJOB) for n in ("step0", "step1")}
    assert {(n["id"], n["kind"], n["name"], n["job_id"]) for n in graph["nodes"]} == expected_nodes
    assert len(graph["nodes"]) == len(expected_nodes)
    assert all(n["state"] is None for n in graph["nodes"])
    assert _edges(graph) == _expected_dag_edges(dag, daily, xjob)
    assert len(graph["edges"]) == 31


def test_graph_states_at_a_trigger_datetime(client, db, project):
    deploy_samples(client, only=["complex-dag.yml", "xjob.yml"])
    dag, xjob = task_ids(client, COMPLEX_DAG), task_ids(client, XJOB)
    daily = trigger_ids(client, COMPLEX_DAG)["daily"]
    insert_token(db, dag["stepA"], T0, state="success", count=0)
    insert_token(db, dag["stepB1"], T0, state="running")
    insert_token(db, dag["z1_failure"], T0, state="failure")
    insert_token(db, xjob["step0"], T0, state="waiting", count=1)
    insert_token(db, dag["stepB2"], T0 + timedelta(days=1), state="success")

    # The same instant as T0, written with another offset.
    graph = client.get(
        f"/api/jobs/{COMPLEX_DAG}/graph",
        query_string={"trigger_datetime": "2025-01-01T01:00:00+01:00"},
    ).get_json()
    states = {n["id"]: n["state"] for n in graph["nodes"]}
    assert states[dag["stepA"]] == "success"
    assert states[dag["stepB1"]] == "running"
    assert states[dag["z1_failure"]] == "failure"
    assert states[xjob["step0"]] == "waiting"
    assert states[dag["stepB2"]] is None
    assert states[daily] is None
    assert sum(s is not None for s in states.values()) == 4

    later = client.get(
        f"/api/jobs/{COMPLEX_DAG}/graph",
        query_string={"trigger_datetime": iso(T0 + timedelta(days=1))},
    ).get_json()
    assert {n["name"] for n in later["nodes"] if n["state"]} == {"stepB2"}

    bad = client.get(
        f"/api/jobs/{COMPLEX_DAG}/graph", query_string={"trigger_datetime": "2025-01-01"}
    )
    assert bad.status_code == 400
    assert "trigger_datetime" in bad.get_json()["error"]


# Triggers.


def test_triggers_listing_in_seconds(client, project):
    deploy_samples(client, only=["trigger_offset.yml", "depends_on_past.yml"])
    response = client.get(f"/api/jobs/{SAMPLE_JOBS['trigger_offset.yml']}/triggers")
    assert response.status_code == 200
    rows = {r["trigger_name"]: r for r in response.get_json()}
    assert set(rows) == {"no_offset", "pos_offset", "neg_offset"}
    for name, offset in [("no_offset", 0), ("pos_offset", 60), ("neg_offset", -180)]:
        row = rows[name]
        uuid.UUID(row["trigger_id"])
        # catch-up none: the next time whose moment (time + offset) is still to come
        following = datetime.fromisoformat(row.pop("next_trigger_datetime"))
        moment = following + timedelta(seconds=offset)
        now = datetime.now(UTC)
        assert now - timedelta(seconds=5) <= moment <= now + timedelta(minutes=10)
        assert following.minute % 10 == 0 and following.second == 0
        assert {k: v for k, v in row.items() if k != "trigger_id"} == {
            "trigger_name": name,
            "start_datetime": "2025-05-14T00:00:00Z",
            "end_datetime": None,
            "earliest_trigger_datetime": None,
            "latest_trigger_datetime": None,
            "period": 600,
            "cron": None,
            "trigger_offset": offset,
            "catchup": "none",
        }
    past = {
        r["trigger_name"]: r
        for r in client.get(f"/api/jobs/{SAMPLE_JOBS['depends_on_past.yml']}/triggers").get_json()
    }
    assert past["initial"]["end_datetime"] == "2025-01-02T00:00:00Z"
    assert (past["daily"]["period"], past["daily"]["catchup"]) == (86400, "earliest")


def test_cron_trigger_listing(client, project):
    doc = job_doc(
        triggers=[{"name": "monthly", "start": "2025-01-01T00:00:00Z", "cron": "0 0 0 1 * *"}],
        tasks=[{"name": "a", "depends": ["trigger/monthly"]}],
    )
    job_id = deploy_job(client, doc)
    [row] = client.get(f"/api/jobs/{job_id}/triggers").get_json()
    assert (row["cron"], row["period"], row["trigger_offset"]) == ("0 0 0 1 * *", None, 0)


def test_triggers_ordered_latest_first_never_fired_first(client, db, project):
    doc = job_doc(
        triggers=[
            {"name": n, "start": "2025-01-01T00:00:00Z", "period": "1d"}
            for n in ("old", "fresh", "never")
        ],
        tasks=[{"name": "a", "depends": ["trigger/old", "trigger/fresh", "trigger/never"]}],
    )
    job_id = deploy_job(client, doc)
    ids = trigger_ids(client, job_id)
    with db.transaction() as session:
        session.get(Trigger, uuid.UUID(ids["old"])).latest_trigger_datetime = T0
        session.get(Trigger, uuid.UUID(ids["fresh"])).latest_trigger_datetime = T0 + timedelta(
            days=3
        )
    rows = client.get(f"/api/jobs/{job_id}/triggers").get_json()
    assert [r["trigger_name"] for r in rows] == ["never", "fresh", "old"]
    assert rows[1]["latest_trigger_datetime"] == "2025-01-04T00:00:00Z"


def test_trigger_detail(client, db, project):
    deploy_samples(client, only=["simple.json"])
    daily = trigger_ids(client, SIMPLE)["daily"]
    step0 = task_ids(client, SIMPLE)["step0"]
    insert_token(db, step0, T0, state="success")
    insert_token(db, step0, T0 + timedelta(days=1), state="active")
    response = client.get(f"/api/triggers/{daily}")
    assert response.status_code == 200
    assert response.get_json() == {
        "trigger_id": daily,
        "trigger_name": "daily",
        "job_id": SIMPLE,
        "job_name": "simple_job",
        "project_id": PROJECT_ID,
        "project_name": PROJECT_NAME,
        "times": [
            {
                "trigger_datetime": "2025-01-02T00:00:00Z",
                "success": 0,
                "running": 0,
                "failure": 0,
                "waiting": 1,
            },
            {
                "trigger_datetime": "2025-01-01T00:00:00Z",
                "success": 1,
                "running": 0,
                "failure": 0,
                "waiting": 0,
            },
        ],
    }
    assert client.get(f"/api/triggers/{uuid.uuid4()}").status_code == 404


# Durations.


def test_duration_reports_the_longest_finished_run(client, db, project):
    deploy_samples(client, only=["complex-dag.yml"])
    t = task_ids(client, COMPLEX_DAG)
    d1, d2, d3 = T0, T0 + timedelta(days=1), T0 + timedelta(days=2)

    def run(task, at, seconds, state="success", attempt=1):
        start = at + timedelta(hours=1)
        insert_run(
            db,
            t[task],
            at,
            state=state,
            started=start,
            finished=start + timedelta(seconds=seconds),
            attempt=attempt,
        )

    run("stepA", d1, 30, "failure")
    run("stepA", d1, 90, "success", attempt=2)
    run("stepA", d2, 12.5)
    run("stepB1", d1, 45)
    run("stepB1", d1, 600, "error")  # not success/failure: ignored
    run("stepB1", d1, 700, "timeout")
    insert_run(db, t["stepB2"], d2, state="running", started=d2)  # unfinished: ignored
    run("stepB2", d3, 5)

    response = client.get(f"/api/jobs/{COMPLEX_DAG}/duration")
    assert response.status_code == 200
    assert response.get_json() == {
        "duration": [
            {"trigger_datetime": iso(d1), "duration": 90.0, "task_name": "stepA"},
            {"trigger_datetime": iso(d2), "duration": 12.5, "task_name": "stepA"},
            {"trigger_datetime": iso(d1), "duration": 45.0, "task_name": "stepB1"},
            {"trigger_datetime": iso(d3), "duration": 5.0, "task_name": "stepB2"},
        ]
    }

    recent = client.get(f"/api/jobs/{COMPLEX_DAG}/duration", query_string={"limit": 2}).get_json()
    assert {(r["task_name"], r["trigger_datetime"]) for r in recent["duration"]} == {
        ("stepA", iso(d2)),
        ("stepB2", iso(d3)),
    }
    before = client.get(
        f"/api/jobs/{COMPLEX_DAG}/duration", query_string={"before": iso(d2)}
    ).get_json()
    assert [(r["task_name"], r["duration"]) for r in before["duration"]] == [
        ("stepA", 90.0),
        ("stepB1", 45.0),
    ]
    bad = client.get(f"/api/jobs/{COMPLEX_DAG}/duration", query_string={"before": "yesterday"})
    assert bad.status_code == 400


def test_duration_of_a_job_without_runs(client, project):
    deploy_samples(client, only=["simple.json"])
    assert client.get(f"/api/jobs/{SIMPLE}/duration").get_json() == {"duration": []}


# Deleting.


def test_delete_job_with_tokens_runs_and_stash(client, db, project, settings):
    deploy_samples(client, only=["complex-dag.yml", "xjob.yml", "simple.json"])
    dag, xjob = task_ids(client, COMPLEX_DAG), task_ids(client, XJOB)
    insert_token(db, dag["stepA"], T0, state="success")
    insert_run(db, dag["stepA"], T0, state="running", started=T0)  # its token is good meanwhile
    token = stash_token(
        settings,
        task_id=dag["stepA"],
        job_id=COMPLEX_DAG,
        project_id=PROJECT_ID,
        trigger_datetime=T0,
    )
    put = client.put(
        f"/int-api/jobs/{COMPLEX_DAG}/stash/{iso(T0)}/key", data=b"v", headers=bearer(token)
    )
    assert put.status_code == 201
    before = row_counts(db)

    response = client.delete(f"/api/jobs/{COMPLEX_DAG}")
    assert response.status_code == 204
    assert response.data == b""

    assert client.get(f"/api/jobs/{COMPLEX_DAG}").status_code == 404
    assert client.get(f"/api/tasks/{dag['stepA']}").status_code == 404
    assert client.get(f"/api/jobs/{COMPLEX_DAG}/tasks").status_code == 404
    assert client.delete(f"/api/jobs/{COMPLEX_DAG}").status_code == 404
    after = row_counts(db)
    assert after["job"] == before["job"] - 1
    assert after["task"] == before["task"] - len(dag)
    assert after["trigger"] == before["trigger"] - 1
    assert (after["token"], after["task_run"], after["job_stash"]) == (0, 0, 0)

    graph = client.get(f"/api/jobs/{XJOB}/graph").get_json()
    assert {n["job_id"] for n in graph["nodes"]} == {XJOB}
    assert _edges(graph) == {
        (xjob["step0"], xjob["success"], "success"),
        (xjob["step1"], xjob["success"], "success"),
        (xjob["step0"], xjob["failure"], "failure"),
        (xjob["step1"], xjob["failure"], "failure"),
    }
    assert task_ids(client, XJOB) == xjob
    assert client.get(f"/api/jobs/{SIMPLE}").status_code == 200
    # Its name is free again.
    assert post_sample(client, "complex-dag.yml").status_code == 201


def test_schedulers_and_workers_are_told_of_every_change(settings, db):
    publisher = RecordingPublisher()
    app = create_app(settings, db=db, publisher=publisher)
    app.testing = True
    client = app.test_client()
    deploy_sample_project(client)
    doc = job_doc(
        triggers=[
            {"name": "daily", "start": "2025-01-01T00:00:00Z", "period": "1d"},
            {"name": "hourly", "start": "2025-01-01T00:00:00Z", "period": "1h"},
        ],
        tasks=[
            {"name": "a", "depends": ["trigger/daily"]},
            {"name": "b", "depends": ["trigger/hourly"]},
        ],
    )
    job_id = deploy_job(client, doc)
    tasks, triggers = task_ids(client, job_id), trigger_ids(client, job_id)
    assert publisher.of("triggers_changed") == [(sorted(triggers.values()),)]
    assert publisher.of("task_changed") == [(sorted(tasks.values()),)]

    # Removed trigger and task are announced with the kept ones.
    publisher.calls.clear()
    doc["triggers"], doc["tasks"] = doc["triggers"][:1], doc["tasks"][:1]
    assert post_job(client, doc).status_code == 201
    assert publisher.of("triggers_changed") == [(sorted(triggers.values()),)]
    assert publisher.of("task_changed") == [(sorted(tasks.values()),)]

    # A rejected document announces nothing.
    publisher.calls.clear()
    assert post_job(client, doc | {"project": "nope"}).status_code == 400
    assert publisher.calls == []

    publisher.calls.clear()
    assert client.put(f"/api/jobs/{job_id}/paused", json={"paused": True}).status_code == 204
    assert publisher.of("job_unpaused") == []
    assert publisher.of("triggers_changed") == [([triggers["daily"]],)]
    assert client.put(f"/api/jobs/{job_id}/paused", json={"paused": False}).status_code == 204
    assert publisher.of("job_unpaused") == [(job_id,)]

    publisher.calls.clear()
    assert client.delete(f"/api/jobs/{job_id}").status_code == 204
    assert publisher.of("triggers_changed") == [([triggers["daily"]],)]
    assert publisher.of("task_changed") == [(sorted(tasks.values()),)]


def test_delete_job_bad_id(client):
    response = client.delete("/api/jobs/nope")
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_triggers_give_their_next_trigger_time(client, db):
    """Beyond the original: when each trigger fires next, also for cron and for
    a trigger that skips the times it missed."""
    deploy_sample_project(client)
    start = "2025-01-01T00:00:00Z"
    triggers = [
        {"name": "fresh", "start": "2030-01-01T00:00:00Z", "period": "1d"},
        {"name": "cron", "start": start, "cron": "0 30 9 * * *", "catchup": "none"},
        {"name": "skips", "start": start, "period": "1h", "catchup": "none"},
        {"name": "newest", "start": start, "period": "1h", "catchup": "latest_only"},
        {"name": "ended", "start": start, "end": "2025-01-02T00:00:00Z", "period": "1d"},
    ]
    job_id = deploy_job(
        client, job_doc(triggers=triggers, tasks=[{"name": "a", "depends": ["trigger/fresh"]}])
    )
    with db.transaction() as session:
        ended = session.scalar(sa.select(Trigger).where(Trigger.name == "ended"))
        ended.latest_trigger_datetime = datetime(2025, 1, 1, tzinfo=UTC)
    rows = {t["trigger_name"]: t for t in client.get(f"/api/jobs/{job_id}/triggers").get_json()}
    now = datetime.now(UTC)
    assert rows["fresh"]["next_trigger_datetime"] == "2030-01-01T00:00:00Z"
    cron_next = datetime.fromisoformat(rows["cron"]["next_trigger_datetime"])
    assert (cron_next.hour, cron_next.minute) == (9, 30) and now < cron_next <= now + timedelta(
        days=1
    )
    hourly = datetime.fromisoformat(rows["skips"]["next_trigger_datetime"])
    assert now <= hourly <= now + timedelta(hours=1) and hourly.minute == 0
    # latest_only runs the newest missed time as it catches up, then goes on from now.
    assert rows["newest"]["next_trigger_datetime"] == rows["skips"]["next_trigger_datetime"]
    assert rows["ended"]["next_trigger_datetime"] is None
