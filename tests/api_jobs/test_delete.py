"""Deleting jobs through the REST API: with their tokens, runs and stash, leaving
other jobs and their edges whole."""

from __future__ import annotations

from helpers import (
    COMPLEX_DAG,
    PROJECT_ID,
    SIMPLE,
    T0,
    XJOB,
    bearer,
    deploy_samples,
    insert_run,
    insert_token,
    iso,
    post_sample,
    row_counts,
    stash_token,
    task_ids,
)
from helpers import graph_edges as _edges


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


def test_delete_job_bad_id(client):
    response = client.delete("/api/jobs/nope")
    assert response.status_code == 400
    assert "error" in response.get_json()
