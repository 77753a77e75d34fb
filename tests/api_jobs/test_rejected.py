"""Job documents the REST API rejects: invalid references, malformed fields,
unparsable bodies and unsupported media types are 400 or 415, naming what is
wrong, and write nothing."""

from __future__ import annotations

import json

import pytest
from helpers import (
    JSON,
    YAML,
    deploy_job,
    deploy_samples,
    job_doc,
    post_job,
    post_sample,
    row_counts,
    sample_bytes,
    task_ids,
)
from helpers import get_job as _job


def test_invalid_sample_is_400_naming_the_reference_and_writes_nothing(client, db, project):
    before = row_counts(db)
    response = post_sample(client, "invalid.yml")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "task/x" in error
    assert "tasks[0].depends[0]" in error
    assert row_counts(db) == before
    assert client.get("/api/jobs/28475bfe-e56e-4e72-8196-c52321d18c49").status_code == 404


def test_reference_to_unknown_project_is_400(client, db, project):
    deploy_samples(client, only=["complex-dag.yml"])
    before = row_counts(db)
    doc = job_doc(tasks=[{"name": "t", "depends": ["nowhere/complex dag/task/stepA"]}])
    response = post_job(client, doc)
    assert response.status_code == 400
    assert "nowhere/complex dag/task/stepA" in response.get_json()["error"]
    assert row_counts(db) == before


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
