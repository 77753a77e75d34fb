"""A job's graph through the REST API (GET /api/jobs/:id/graph): its nodes and
edges, the jobs downstream of it, and the token states at a trigger datetime."""

from __future__ import annotations

from datetime import timedelta

from helpers import (
    COMPLEX_DAG,
    T0,
    XJOB,
    deploy_samples,
    insert_token,
    iso,
    sample_doc,
    task_ids,
    trigger_ids,
)
from helpers import graph_edges as _edges


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
