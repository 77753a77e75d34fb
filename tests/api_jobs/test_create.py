"""Creating jobs through the REST API: every sample document, references to other
jobs' and projects' tasks and triggers, JSON and YAML in their media types, and
the definition as stored (normalised)."""

from __future__ import annotations

import json

import pytest
import yaml
from helpers import (
    COMPLEX_DAG,
    JSON,
    PROJECT_ID,
    PROJECT_NAME,
    SAMPLE_JOBS,
    SIMPLE,
    XJOB,
    YAML,
    create_project,
    deploy_job,
    deploy_sample_project,
    deploy_samples,
    job_doc,
    post_sample,
    row_counts,
    sample_doc,
    task_ids,
    trigger_ids,
)
from helpers import get_job as _job
from helpers import graph_edges as _edges
from helpers import pick as _pick


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
