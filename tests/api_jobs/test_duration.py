"""A job's durations through the REST API (GET /api/jobs/:id/duration): the
longest finished run of each task and trigger time, paged."""

from __future__ import annotations

from datetime import timedelta

from helpers import COMPLEX_DAG, SIMPLE, T0, deploy_samples, insert_run, iso, task_ids


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
