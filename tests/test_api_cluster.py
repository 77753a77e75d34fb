"""The running system through the API: worker heartbeats, workers and their
runs, the status counters, schedulers, and the health check."""

from __future__ import annotations

import uuid
from datetime import timedelta

from helpers import (
    COMPLEX_DAG,
    SIMPLE,
    T0,
    ago,
    bearer,
    config_token,
    create_project,
    deploy_samples,
    insert_run,
    insert_scheduler,
    iso,
    row_counts,
    task_ids,
    trigger_ids,
)

from waterwheel.api.services import EXTENSION
from waterwheel.db.models import Worker


def _heartbeat(client, worker_id, last_seen, running=0, total=0, **extra):
    """A worker's signed heartbeat; the API stamps it with its own clock, so
    the row's last-seen time is set to ``last_seen`` afterwards, as if the
    heartbeat had come then."""
    body = {
        "uuid": str(worker_id),
        "addr": "10.0.0.7:4000",
        "running_tasks": running,
        "total_tasks": total,
        "version": "2.0.1",
    } | extra
    found = client.application.extensions[EXTENSION]
    token = found.keys.config_token(uuid.UUID(str(worker_id)))
    response = client.post("/int-api/heartbeat", json=body, headers=bearer(token))
    if response.status_code == 200:
        with found.db.transaction() as session:
            session.get(Worker, uuid.UUID(str(worker_id))).last_seen_datetime = last_seen
    return response


def _workers(client):
    response = client.get("/api/workers")
    assert response.status_code == 200
    return response.get_json()


def test_heartbeat_creates_then_updates_a_worker(client, db):
    worker = str(uuid.uuid4())
    seen = ago(seconds=30).replace(microsecond=0)
    response = _heartbeat(client, worker, seen, running=2, total=10)
    assert response.status_code == 200
    assert _workers(client) == [
        {
            "uuid": worker,
            "addr": "10.0.0.7:4000",
            "version": "2.0.1",
            "last_seen_datetime": iso(seen),
            "running_tasks": 2,
            "total_tasks": 10,
            "status": "up",
        }
    ]

    later = ago(seconds=5).replace(microsecond=0)
    assert (
        _heartbeat(client, worker, later, running=0, total=12, version="2.0.2").status_code == 200
    )
    [row] = _workers(client)
    assert (row["last_seen_datetime"], row["running_tasks"], row["total_tasks"]) == (
        iso(later),
        0,
        12,
    )
    assert row["version"] == "2.0.2"
    assert row_counts(db)["worker"] == 1


def test_workers_newest_first_gone_after_15_minutes_hidden_after_a_day(client):
    up, gone, hidden = (str(uuid.uuid4()) for _ in range(3))
    _heartbeat(client, gone, ago(minutes=20))
    _heartbeat(client, up, ago(minutes=1))
    _heartbeat(client, hidden, ago(hours=25))
    rows = _workers(client)
    assert [(r["uuid"], r["status"]) for r in rows] == [(up, "up"), (gone, "gone")]


def test_invalid_heartbeats_are_400(client, db, settings):
    worker = str(uuid.uuid4())
    good = {"uuid": worker, "addr": "a", "running_tasks": 0, "total_tasks": 0, "version": "v"}
    signed = bearer(config_token(settings, worker))
    before = row_counts(db)
    for broken in [
        {k: v for k, v in good.items() if k != "uuid"},
        good | {"uuid": "not-a-uuid"},
        good | {"running_tasks": "many"},
    ]:
        response = client.post("/int-api/heartbeat", json=broken, headers=signed)
        assert response.status_code == 400, broken
        assert "error" in response.get_json()
    response = client.post(
        "/int-api/heartbeat", data=b"{", content_type="application/json", headers=signed
    )
    assert response.status_code == 400
    response = client.post(
        "/int-api/heartbeat", data=b"uuid=x", content_type="text/plain", headers=signed
    )
    assert response.status_code == 415
    assert row_counts(db) == before


def test_worker_detail_lists_its_runs(client, db):
    deploy_samples(client, only=["complex-dag.yml", "simple.json"])
    dag, simple = task_ids(client, COMPLEX_DAG), task_ids(client, SIMPLE)
    worker, other = uuid.uuid4(), uuid.uuid4()
    seen = ago(minutes=3).replace(microsecond=0)
    _heartbeat(client, worker, seen, running=1, total=3)
    _heartbeat(client, other, seen)

    s = T0 + timedelta(hours=1)
    first = insert_run(
        db,
        dag["stepA"],
        T0,
        state="success",
        worker_id=worker,
        queued=s,
        started=s,
        finished=s + timedelta(minutes=1),
    )
    second = insert_run(
        db,
        simple["step0"],
        T0,
        state="failure",
        worker_id=worker,
        queued=s,
        started=s + timedelta(minutes=5),
        finished=s + timedelta(minutes=6),
        attempt=2,
    )
    third = insert_run(
        db,
        dag["stepB1"],
        T0,
        state="running",
        worker_id=worker,
        queued=s,
        started=s + timedelta(minutes=10),
    )
    insert_run(db, dag["stepB2"], T0, state="success", worker_id=other, started=s)
    insert_run(db, dag["stepB3"], T0, state="active")
    # Handed to the worker, not started yet: listed after the started ones.
    unstarted = insert_run(db, dag["stepB4"], T0, state="active", worker_id=worker, queued=s)

    response = client.get(f"/api/workers/{worker}")
    assert response.status_code == 200
    body = response.get_json()
    assert {k: v for k, v in body.items() if k != "tasks"} == {
        "last_seen_datetime": iso(seen),
        "running_tasks": 1,
        "total_tasks": 3,
        "status": "up",
        "version": "2.0.1",
    }
    assert [t["task_run_id"] for t in body["tasks"]] == [third, second, first, unstarted]
    assert body["tasks"][1] == {
        "job_id": SIMPLE,
        "job_name": "simple_job",
        "project_id": "4fb168e4-b963-431d-85b6-ac108542c036",
        "project_name": "test_project",
        "task_run_id": second,
        "task_id": simple["step0"],
        "task_name": "step0",
        "trigger_datetime": iso(T0),
        "queued_datetime": iso(s),
        "started_datetime": iso(s + timedelta(minutes=5)),
        "finish_datetime": iso(s + timedelta(minutes=6)),
        "state": "failure",
        "attempt": 2,
    }

    finished = client.get(f"/api/workers/{worker}", query_string={"state": "success,failure"})
    assert [t["task_run_id"] for t in finished.get_json()["tasks"]] == [second, first]
    running = client.get(f"/api/workers/{worker}", query_string={"state": "running"})
    assert [t["task_name"] for t in running.get_json()["tasks"]] == ["stepB1"]


def test_worker_detail_of_a_gone_worker_without_runs(client):
    worker = uuid.uuid4()
    _heartbeat(client, worker, ago(hours=2))
    body = client.get(f"/api/workers/{worker}").get_json()
    assert (body["status"], body["tasks"]) == ("gone", [])


def test_unknown_or_malformed_worker(client):
    response = client.get(f"/api/workers/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "error" in response.get_json()
    assert client.get("/api/workers/worker-1").status_code == 400


def test_status_counts(client):
    assert client.get("/api/status").get_json() == {
        "num_projects": 0,
        "num_workers": 0,
        "running_tasks": 0,
    }
    create_project(client, "one")
    create_project(client, "two")
    _heartbeat(client, uuid.uuid4(), ago(minutes=1), running=3)
    _heartbeat(client, uuid.uuid4(), ago(minutes=14), running=4)
    _heartbeat(client, uuid.uuid4(), ago(minutes=16), running=100)  # gone: not counted
    response = client.get("/api/status")
    assert response.status_code == 200
    assert response.get_json() == {"num_projects": 2, "num_workers": 2, "running_tasks": 7}


def test_schedulers_listing(client, db):
    deploy_samples(client, only=["simple.json"])
    daily = trigger_ids(client, SIMPLE)["daily"]
    fresh_seen = ago(seconds=10).replace(microsecond=0)
    stale_seen = ago(minutes=5).replace(microsecond=0)
    fresh = insert_scheduler(
        db, last_seen=fresh_seen, queued_triggers=3, waiting_for_trigger_id=daily, version="2.1"
    )
    stale = insert_scheduler(db, last_seen=stale_seen, queued_triggers=1)
    insert_scheduler(db, last_seen=ago(hours=2))  # hidden

    response = client.get("/api/schedulers")
    assert response.status_code == 200
    assert response.get_json() == [
        {
            "uuid": fresh,
            "version": "2.1",
            "last_seen_datetime": iso(fresh_seen),
            "queued_triggers": 3,
            "waiting_for_trigger_id": daily,
            "waiting_for_trigger_job_id": SIMPLE,
            "status": "up",
        },
        {
            "uuid": stale,
            "version": "1.0",
            "last_seen_datetime": iso(stale_seen),
            "queued_triggers": 1,
            "waiting_for_trigger_id": None,
            "waiting_for_trigger_job_id": None,
            "status": "gone",
        },
    ]

    # Deleting the job forgets the trigger the scheduler was waiting for.
    assert client.delete(f"/api/jobs/{SIMPLE}").status_code == 204
    row = client.get("/api/schedulers").get_json()[0]
    assert (row["uuid"], row["waiting_for_trigger_id"], row["waiting_for_trigger_job_id"]) == (
        fresh,
        None,
        None,
    )


def test_healthcheck(client):
    response = client.get("/healthcheck")
    assert response.status_code == 200
    assert response.data == b"OK"
    assert response.mimetype == "text/plain"


def test_unknown_routes_and_methods_answer_json(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert "error" in response.get_json()
    response = client.patch("/api/jobs")
    assert response.status_code == 405
    assert "error" in response.get_json()
