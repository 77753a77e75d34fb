"""Tokens and runs through the REST API: activating one trigger time or a
range, listing and clearing a job's tokens, and the runs of a job or a task."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from helpers import (
    COMPLEX_DAG,
    SIMPLE,
    T0,
    RecordingPublisher,
    deploy_job,
    deploy_samples,
    insert_run,
    insert_token,
    iso,
    job_doc,
    post_job,
    task_ids,
    token_row,
)

from waterwheel.api import create_app

DAYS = [T0 + timedelta(days=n) for n in range(6)]


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def client(settings, db, publisher):
    """The conftest client, with a publisher that records what it is told."""
    app = create_app(settings, db=db, publisher=publisher)
    app.testing = True
    return app.test_client()


@pytest.fixture
def dag(client):
    deploy_samples(client, only=["complex-dag.yml", "simple.json"])
    return task_ids(client, COMPLEX_DAG)


# Activating one trigger time.


def test_activate_one_time(client, db, dag, publisher):
    at = T0 + timedelta(hours=7)  # not a time the trigger produces
    response = client.put(f"/api/tasks/{dag['stepC1']}/tokens/{iso(at)}", json={})
    assert response.status_code == 201
    assert response.data == b""
    # stepC1 depends on four tasks: its token is charged to four.
    assert token_row(db, dag["stepC1"], at) == (4, "waiting")
    tokens = client.get(f"/api/jobs/{COMPLEX_DAG}/tokens/{iso(at)}").get_json()
    assert tokens == [
        {
            "task_id": dag["stepC1"],
            "task_name": "stepC1",
            "trigger_datetime": iso(at),
            "state": "waiting",
        }
    ]
    assert publisher.of("tokens_activated") == [([(dag["stepC1"], at)], "high")]


def test_activate_resets_an_existing_token(client, db, dag, publisher):
    insert_token(db, dag["z3_cleanup"], T0, state="success", count=-1)
    response = client.put(
        f"/api/tasks/{dag['z3_cleanup']}/tokens/{iso(T0)}", json={"priority": "low"}
    )
    assert response.status_code == 201
    assert token_row(db, dag["z3_cleanup"], T0) == (1, "waiting")  # explicit threshold 1
    assert publisher.of("tokens_activated") == [([(dag["z3_cleanup"], T0)], "low")]


def test_activate_works_on_a_paused_job(client, db, dag):
    assert client.get(f"/api/jobs/{COMPLEX_DAG}/paused").get_json() is True
    response = client.put(f"/api/tasks/{dag['stepA']}/tokens/{iso(T0)}", json={})
    assert response.status_code == 201
    assert token_row(db, dag["stepA"], T0) == (1, "waiting")


@pytest.mark.parametrize(
    "priority", ["urgent", "HIGH", 5, ["high"], {"p": "high"}, True, 0, False, ""]
)
def test_activate_with_a_bad_priority_is_400(client, db, dag, publisher, priority):
    response = client.put(
        f"/api/tasks/{dag['stepA']}/tokens/{iso(T0)}", json={"priority": priority}
    )
    assert response.status_code == 400
    assert "priority" in response.get_json()["error"]
    assert token_row(db, dag["stepA"], T0) is None
    assert publisher.of("tokens_activated") == []


def test_activate_needs_a_json_object(client, db, dag):
    url = f"/api/tasks/{dag['stepA']}/tokens/{iso(T0)}"
    assert client.put(url, data=b"not json", content_type="application/json").status_code == 400
    assert client.put(url, json=["high"]).status_code == 400
    assert client.put(url, data=b"{}", content_type="text/plain").status_code == 415
    assert token_row(db, dag["stepA"], T0) is None


def test_activate_bad_path_values_are_400(client, dag):
    bad_time = client.put(f"/api/tasks/{dag['stepA']}/tokens/2025-01-01", json={})
    assert bad_time.status_code == 400
    assert "error" in bad_time.get_json()
    bad_id = client.put(f"/api/tasks/step-a/tokens/{iso(T0)}", json={})
    assert bad_id.status_code == 400


def test_activate_unknown_task_is_404(client, dag):
    response = client.put(f"/api/tasks/{uuid.uuid4()}/tokens/{iso(T0)}", json={})
    assert response.status_code == 404
    response = client.post(f"/api/tasks/{uuid.uuid4()}/tokens", json={"only_failed": True})
    assert response.status_code == 404


def test_activate_inactive_task_is_409(client, db, publisher):
    deploy_samples(client, only=[])
    doc = job_doc()
    job_id = deploy_job(client, doc)
    removed = task_ids(client, job_id)["b"]
    insert_token(db, removed, T0, state="failure")
    doc["tasks"] = doc["tasks"][:1]
    assert post_job(client, doc).status_code == 201

    response = client.put(f"/api/tasks/{removed}/tokens/{iso(DAYS[1])}", json={})
    assert response.status_code == 409
    assert "error" in response.get_json()
    response = client.post(f"/api/tasks/{removed}/tokens", json={"only_failed": True})
    assert response.status_code == 409
    assert token_row(db, removed, DAYS[1]) is None
    assert token_row(db, removed, T0) == (0, "failure")
    assert publisher.of("tokens_activated") == []


# Activating a range.


@pytest.fixture
def history(db, dag):
    """stepB1 tokens on six days, in assorted states."""
    states = ["success", "failure", "success", "failure", "running", "failure"]
    for day, state in zip(DAYS, states, strict=True):
        insert_token(db, dag["stepB1"], day, state=state, count=0)
    insert_token(db, dag["stepB2"], DAYS[1], state="failure")  # another task
    return dag["stepB1"]


def _activated(db, task, days):
    return [day for day in days if token_row(db, task, day) == (1, "waiting")]


def test_range_bounds_are_exclusive(client, db, history, publisher):
    response = client.post(
        f"/api/tasks/{history}/tokens", json={"first": iso(DAYS[1]), "last": iso(DAYS[4])}
    )
    assert response.status_code == 200
    assert response.get_json() == {"cleared": 2}
    assert _activated(db, history, DAYS) == [DAYS[2], DAYS[3]]
    assert token_row(db, history, DAYS[1]) == (0, "failure")
    assert token_row(db, history, DAYS[4]) == (0, "running")
    assert publisher.of("tokens_activated") == [
        ([(history, DAYS[2]), (history, DAYS[3])], "backfill")
    ]


def test_range_with_one_bound(client, db, history):
    response = client.post(f"/api/tasks/{history}/tokens", json={"first": iso(DAYS[3])})
    assert response.get_json() == {"cleared": 2}
    assert _activated(db, history, DAYS) == [DAYS[4], DAYS[5]]


def test_range_with_last_only_and_offset_datetime(client, db, history):
    # 2025-01-03T00:00:00Z written in another offset.
    response = client.post(
        f"/api/tasks/{history}/tokens", json={"last": "2025-01-03T02:00:00+02:00"}
    )
    assert response.get_json() == {"cleared": 2}
    assert _activated(db, history, DAYS) == [DAYS[0], DAYS[1]]


def test_range_only_failed(client, db, history, dag, publisher):
    response = client.post(
        f"/api/tasks/{history}/tokens", json={"only_failed": True, "priority": "normal"}
    )
    assert response.get_json() == {"cleared": 3}
    assert _activated(db, history, DAYS) == [DAYS[1], DAYS[3], DAYS[5]]
    assert token_row(db, dag["stepB2"], DAYS[1]) == (0, "failure")
    assert publisher.of("tokens_activated")[0][1] == "normal"


def test_range_only_failed_within_bounds(client, db, history):
    response = client.post(
        f"/api/tasks/{history}/tokens",
        json={"only_failed": True, "first": iso(DAYS[1]), "last": iso(DAYS[5])},
    )
    assert response.get_json() == {"cleared": 1}
    assert _activated(db, history, DAYS) == [DAYS[3]]


def test_range_never_creates_tokens(client, db, dag):
    response = client.post(f"/api/tasks/{dag['stepD']}/tokens", json={"first": iso(T0)})
    assert response.status_code == 200
    assert response.get_json() == {"cleared": 0}
    assert client.get(f"/api/jobs/{COMPLEX_DAG}/tokens").get_json() == []


@pytest.mark.parametrize("body", [{}, {"priority": "high"}, {"first": None, "last": None}])
def test_range_needs_first_last_or_only_failed(client, db, history, body):
    response = client.post(f"/api/tasks/{history}/tokens", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "first" in error and "last" in error and "only_failed" in error
    assert _activated(db, history, DAYS) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first": "2025-01-01"}, "first"),
        ({"last": "yesterday"}, "last"),
        ({"first": 12}, "first"),
        ({"only_failed": "yes"}, "only_failed"),
        ({"only_failed": True, "priority": "asap"}, "priority"),
        ({"only_failed": True, "priority": ["high"]}, "priority"),
    ],
)
def test_range_bad_values_are_400(client, db, history, body, field):
    response = client.post(f"/api/tasks/{history}/tokens", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]
    assert _activated(db, history, DAYS) == []


# Listing a job's tokens.


@pytest.fixture
def grid(db, dag):
    """Tokens of the complex dag on four days; names are sorted within a day."""
    rows = [
        (DAYS[0], "stepA", "success"),
        (DAYS[0], "stepB1", "success"),
        (DAYS[0], "stepB2", "failure"),
        (DAYS[1], "stepA", "success"),
        (DAYS[1], "stepB1", "running"),
        (DAYS[2], "stepA", "failure"),
        (DAYS[3], "stepA", "waiting"),
    ]
    for day, name, state in rows:
        insert_token(db, dag[name], day, state=state, count=1)
    return rows


def _tokens(client, **query):
    response = client.get(f"/api/jobs/{COMPLEX_DAG}/tokens", query_string=query)
    assert response.status_code == 200, response.get_json()
    return [(t["trigger_datetime"], t["task_name"], t["state"]) for t in response.get_json()]


def test_tokens_newest_first(client, dag, grid):
    response = client.get(f"/api/jobs/{COMPLEX_DAG}/tokens")
    rows = response.get_json()
    assert rows[0] == {
        "task_id": dag["stepA"],
        "task_name": "stepA",
        "trigger_datetime": iso(DAYS[3]),
        "state": "waiting",
    }
    assert _tokens(client) == [
        (iso(DAYS[3]), "stepA", "waiting"),
        (iso(DAYS[2]), "stepA", "failure"),
        (iso(DAYS[1]), "stepA", "success"),
        (iso(DAYS[1]), "stepB1", "running"),
        (iso(DAYS[0]), "stepA", "success"),
        (iso(DAYS[0]), "stepB1", "success"),
        (iso(DAYS[0]), "stepB2", "failure"),
    ]


def test_tokens_only_of_this_job(client, db, dag, grid):
    simple = task_ids(client, SIMPLE)["step0"]
    insert_token(db, simple, DAYS[5], state="success")
    assert iso(DAYS[5]) not in {row[0] for row in _tokens(client)}


def test_tokens_state_filter(client, grid):
    assert _tokens(client, state="failure") == [
        (iso(DAYS[2]), "stepA", "failure"),
        (iso(DAYS[0]), "stepB2", "failure"),
    ]
    assert _tokens(client, state="running,waiting") == [
        (iso(DAYS[3]), "stepA", "waiting"),
        (iso(DAYS[1]), "stepB1", "running"),
    ]


def test_tokens_empty_state_filter_is_no_filter_or_400(client, grid):
    response = client.get(f"/api/jobs/{COMPLEX_DAG}/tokens", query_string={"state": ""})
    if response.status_code != 400:
        assert response.status_code == 200
        unfiltered = client.get(f"/api/jobs/{COMPLEX_DAG}/tokens").get_json()
        assert response.get_json() == unfiltered


@pytest.mark.parametrize("state", ["finished", "success,bogus", "SUCCESS"])
def test_tokens_invalid_state_is_400(client, grid, state):
    for path in ("tokens", "tokens-overview"):
        response = client.get(f"/api/jobs/{COMPLEX_DAG}/{path}", query_string={"state": state})
        assert response.status_code == 400
        assert "invalid token state" in response.get_json()["error"]


def test_tokens_before_and_limit(client, grid):
    assert _tokens(client, before=iso(DAYS[1])) == [
        (iso(DAYS[0]), "stepA", "success"),
        (iso(DAYS[0]), "stepB1", "success"),
        (iso(DAYS[0]), "stepB2", "failure"),
    ]
    # limit counts trigger times, not tokens.
    assert _tokens(client, limit=2, before=iso(DAYS[3])) == [
        (iso(DAYS[2]), "stepA", "failure"),
        (iso(DAYS[1]), "stepA", "success"),
        (iso(DAYS[1]), "stepB1", "running"),
    ]
    assert _tokens(client, limit=1, state="success") == [(iso(DAYS[1]), "stepA", "success")]


@pytest.mark.parametrize(("name", "value"), [("before", "2025-01-01"), ("limit", "x")])
def test_tokens_bad_query_is_400(client, grid, name, value):
    response = client.get(f"/api/jobs/{COMPLEX_DAG}/tokens", query_string={name: value})
    assert response.status_code == 400
    assert name in response.get_json()["error"]


def test_tokens_overview(client, dag, grid):
    response = client.get(f"/api/jobs/{COMPLEX_DAG}/tokens-overview", query_string={"limit": 3})
    assert response.status_code == 200
    body = response.get_json()
    assert body["tasks"] == ["stepA", "stepB1"]
    assert [row["trigger_datetime"] for row in body["tokens"]] == [
        iso(DAYS[3]),
        iso(DAYS[2]),
        iso(DAYS[1]),
    ]
    assert body["tokens"][2]["task_states"] == {
        "stepA": {"task_name": "stepA", "task_id": dag["stepA"], "state": "success"},
        "stepB1": {"task_name": "stepB1", "task_id": dag["stepB1"], "state": "running"},
    }
    assert list(body["tokens"][2]["task_states"]) == ["stepA", "stepB1"]

    failed = client.get(
        f"/api/jobs/{COMPLEX_DAG}/tokens-overview", query_string={"state": "failure"}
    ).get_json()
    assert failed["tasks"] == ["stepA", "stepB2"]
    assert [list(row["task_states"]) for row in failed["tokens"]] == [["stepA"], ["stepB2"]]


def test_tokens_at_a_time(client, dag, grid):
    response = client.get(f"/api/jobs/{COMPLEX_DAG}/tokens/{iso(DAYS[0])}")
    assert response.status_code == 200
    assert response.get_json() == [
        {"task_id": dag[n], "task_name": n, "trigger_datetime": iso(DAYS[0]), "state": s}
        for n, s in [("stepA", "success"), ("stepB1", "success"), ("stepB2", "failure")]
    ]
    assert client.get(f"/api/jobs/{COMPLEX_DAG}/tokens/{iso(DAYS[5])}").get_json() == []
    assert client.get(f"/api/jobs/{COMPLEX_DAG}/tokens/2025-01-01").status_code == 400
    assert client.get(f"/api/jobs/{uuid.uuid4()}/tokens/{iso(DAYS[0])}").status_code == 404


def test_clear_tokens_at_a_time(client, db, dag, grid, publisher):
    response = client.delete(f"/api/jobs/{COMPLEX_DAG}/tokens/{iso(DAYS[0])}")
    assert response.status_code == 200
    assert response.get_json() == {"tokens_cleared": 3}
    for name in ("stepA", "stepB1", "stepB2"):
        assert token_row(db, dag[name], DAYS[0]) == (0, "waiting")
    assert token_row(db, dag["stepA"], DAYS[1]) == (1, "success")
    assert publisher.of("tokens_cleared") == [
        (sorted((dag[n], DAYS[0]) for n in ("stepA", "stepB1", "stepB2")),)
    ]
    again = client.delete(f"/api/jobs/{COMPLEX_DAG}/tokens/{iso(DAYS[5])}")
    assert again.get_json() == {"tokens_cleared": 0}


def test_clear_unknown_job_or_bad_time(client):
    assert client.delete(f"/api/jobs/{uuid.uuid4()}/tokens/{iso(T0)}").status_code == 404
    assert client.delete(f"/api/jobs/{COMPLEX_DAG}/tokens/today").status_code == 400


# Runs.

RUN_KEYS = [
    "task_run_id",
    "attempt",
    "queued_datetime",
    "started_datetime",
    "finish_datetime",
    "state",
    "priority",
    "worker_id",
]


def test_job_runs_ordered_by_task_then_queued(client, db, dag):
    worker = str(uuid.uuid4())
    q = T0 + timedelta(hours=1)
    b1_second = insert_run(
        db,
        dag["stepB1"],
        T0,
        state="success",
        queued=q + timedelta(minutes=9),
        attempt=2,
        started=q + timedelta(minutes=10),
        finished=q + timedelta(minutes=11),
        worker_id=worker,
    )
    b1_first = insert_run(
        db,
        dag["stepB1"],
        T0,
        state="failure",
        queued=q,
        attempt=1,
        started=q,
        finished=q + timedelta(minutes=1),
        worker_id=worker,
        priority="backfill",
    )
    a_run = insert_run(db, dag["stepA"], T0, state="running", queued=q + timedelta(hours=1))
    insert_run(db, dag["stepA"], DAYS[1], state="success")  # another time

    response = client.get(f"/api/jobs/{COMPLEX_DAG}/runs/{iso(T0)}")
    assert response.status_code == 200
    rows = response.get_json()
    assert [r["task_run_id"] for r in rows] == [a_run, b1_first, b1_second]
    assert rows[1] == {
        "task_id": dag["stepB1"],
        "name": "stepB1",
        "trigger_datetime": iso(T0),
        "task_run_id": b1_first,
        "attempt": 1,
        "queued_datetime": iso(q),
        "started_datetime": iso(q),
        "finish_datetime": iso(q + timedelta(minutes=1)),
        "state": "failure",
        "priority": "backfill",
        "worker_id": worker,
        "message": None,
    }
    assert (rows[0]["started_datetime"], rows[0]["worker_id"]) == (None, None)

    limited = client.get(f"/api/jobs/{COMPLEX_DAG}/runs/{iso(T0)}", query_string={"limit": 2})
    assert [r["task_run_id"] for r in limited.get_json()] == [a_run, b1_first]
    assert client.get(f"/api/jobs/{COMPLEX_DAG}/runs/{iso(DAYS[4])}").get_json() == []
    assert client.get(f"/api/jobs/{COMPLEX_DAG}/runs/soon").status_code == 400
    assert client.get(f"/api/jobs/{uuid.uuid4()}/runs/{iso(T0)}").status_code == 404


def test_task_runs_ordered_by_queued(client, db, dag):
    q = T0 + timedelta(hours=2)
    later = insert_run(
        db,
        dag["stepA"],
        T0,
        state="success",
        queued=q + timedelta(seconds=30),
        attempt=2,
        started=q + timedelta(seconds=31),
        finished=q + timedelta(seconds=90),
    )
    earlier = insert_run(
        db,
        dag["stepA"],
        T0,
        state="failure",
        queued=q,
        started=q,
        finished=q + timedelta(seconds=5),
    )
    insert_run(db, dag["stepB1"], T0, state="success")  # another task
    insert_run(db, dag["stepA"], DAYS[1], state="success")  # another time

    response = client.get(f"/api/tasks/{dag['stepA']}/runs/{iso(T0)}")
    assert response.status_code == 200
    rows = response.get_json()
    assert [r["task_run_id"] for r in rows] == [earlier, later]
    assert list(rows[0])[: len(RUN_KEYS)] == RUN_KEYS
    assert {k: rows[1][k] for k in RUN_KEYS} == {
        "task_run_id": later,
        "attempt": 2,
        "queued_datetime": iso(q + timedelta(seconds=30)),
        "started_datetime": iso(q + timedelta(seconds=31)),
        "finish_datetime": iso(q + timedelta(seconds=90)),
        "state": "success",
        "priority": "normal",
        "worker_id": None,
    }
    assert client.get(f"/api/tasks/{dag['stepA']}/runs/{iso(DAYS[3])}").get_json() == []
    assert client.get(f"/api/tasks/{uuid.uuid4()}/runs/{iso(T0)}").status_code == 404
    assert client.get(f"/api/tasks/{dag['stepA']}/runs/2025").status_code == 400


def test_sub_second_times_print_microseconds(client, db, dag):
    at = T0 + timedelta(microseconds=123456)
    run = insert_run(db, dag["stepA"], at, state="success", queued=at)
    rows = client.get(f"/api/tasks/{dag['stepA']}/runs/2025-01-01T00:00:00.123456Z").get_json()
    assert [(r["task_run_id"], r["queued_datetime"]) for r in rows] == [
        (run, "2025-01-01T00:00:00.123456Z")
    ]
