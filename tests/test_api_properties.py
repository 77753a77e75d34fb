"""Property-based: malformed documents, ids and datetimes never make the API
answer 5xx, and a rejected request writes nothing."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import create_project, row_counts

BASE = {
    "uuid": "0c6f3a52-7d1e-4b8f-9a41-2f5e6d7c8b90",
    "project": "project",
    "name": "fuzzed",
    "description": "a job",
    "triggers": [{"name": "t", "start": "2025-01-01T00:00:00Z", "period": "1h"}],
    "tasks": [
        {
            "name": "a",
            "docker": {"image": "bash", "args": ["-c", "true"], "env": ["A=1"]},
            "depends": ["trigger/t"],
            "retry": {"max_attempts": 2, "delay": "1m"},
            "timeout": "10m",
            "project_stash_write": ["app."],
        },
        {"name": "b", "depends": ["task/a@1h"], "depends_failure": ["task/a"]},
    ],
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "0s",
            "-1m",
            "1.5h",
            "1h 30m",
            "@daily",
            "0 0 1 * *",
            "* * * * * * 1969",
            "task/",
            "a/b/c/d/e",
            "task/x@bogus",
            "2025-02-30T00:00:00Z",
            "2025-01-01",
            "trigger/t",
            "task/a",
            "none",
            "random",
            "A",
            "=x",
            "9" * 40,
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
# Where in the document a mutation lands: a path of keys and list indexes.
PATHS = [
    ("uuid",),
    ("project",),
    ("name",),
    ("description",),
    ("paused",),
    ("triggers",),
    ("tasks",),
    ("triggers", 0),
    ("triggers", 0, "start"),
    ("triggers", 0, "end"),
    ("triggers", 0, "period"),
    ("triggers", 0, "cron"),
    ("triggers", 0, "offset"),
    ("triggers", 0, "catchup"),
    ("triggers", 0, "name"),
    ("tasks", 0),
    ("tasks", 0, "name"),
    ("tasks", 0, "docker"),
    ("tasks", 0, "docker", "args"),
    ("tasks", 0, "docker", "env"),
    ("tasks", 0, "docker", "image"),
    ("tasks", 0, "depends"),
    ("tasks", 0, "threshold"),
    ("tasks", 0, "retry"),
    ("tasks", 0, "retry", "delay"),
    ("tasks", 0, "timeout"),
    ("tasks", 1, "depends_failure"),
    ("tasks", 1, "depends", 0),
    ("tasks", 0, "queue"),
    ("tasks", 0, "trigger_rule"),
    ("tasks", 0, "skip_exit_code"),
    ("tasks", 0, "fail_exit_code"),
    ("tasks", 0, "project_stash_write"),
    ("tasks", 0, "project_stash_write", 0),
]
mutations = st.lists(
    st.tuples(st.sampled_from(PATHS), st.one_of(values, st.just("<delete>"))),
    min_size=1,
    max_size=4,
)


def mutate(document: dict[str, Any], changes) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for path, value in changes:
        node: Any = document
        for key in path[:-1]:
            in_dict = isinstance(node, dict) and key in node
            in_list = isinstance(node, list) and isinstance(key, int) and key < len(node)
            if in_dict or in_list:
                node = node[key]
            else:
                break
        else:
            last = path[-1]
            if isinstance(node, dict):
                if value == "<delete>":
                    node.pop(last, None)
                else:
                    node[last] = value
            elif isinstance(node, list) and isinstance(last, int) and last < len(node):
                node[last] = None if value == "<delete>" else value
    return document


RELAXED = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@RELAXED
@given(changes=mutations)
def test_mutated_job_documents_never_5xx_nor_half_write(client, db, changes):
    if client.get("/api/projects?name=project").status_code == 404:
        create_project(client, "project")
    document = mutate(BASE, changes)
    before = row_counts(db)
    response = client.post("/api/jobs", data=json.dumps(document), content_type="application/json")
    assert response.status_code < 500, (document, response.get_json())
    if response.status_code == 201:
        client.delete(f"/api/jobs/{document['uuid']}")
    else:
        assert response.get_json()["error"]
        assert row_counts(db) == before, document


@RELAXED
@given(
    body=st.binary(max_size=200),
    media=st.sampled_from(
        [
            "application/json",
            "application/yaml",
            "text/yaml",
            "application/json; charset=utf-8",
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
        ]
    ),
)
def test_arbitrary_bodies_never_5xx(client, db, body, media):
    before = row_counts(db)
    for path in ("/api/jobs", "/api/projects"):
        response = client.post(path, data=body, content_type=media or None)
        assert response.status_code < 500, (path, body, media)
        if response.status_code >= 400:
            assert row_counts(db) == before


segment = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_characters="/?#%", blacklist_categories=["Cs"]),
        min_size=1,
        max_size=40,
    ),
    st.uuids().map(str),
    st.sampled_from(["2025-01-01T00:00:00Z", "2025-13-01T00:00:00Z", "2025-01-01", "now", "0"]),
)
TEMPLATES = [
    "/api/jobs/{a}",
    "/api/jobs/{a}/graph",
    "/api/jobs/{a}/tokens/{b}",
    "/api/jobs/{a}/runs/{b}",
    "/api/tasks/{a}",
    "/api/tasks/{a}/runs/{b}",
    "/api/triggers/{a}",
    "/api/projects/{a}",
    "/api/projects/{a}/jobs",
    "/api/workers/{a}",
    "/api/task_runs/{a}/log",
    "/api/jobs/{a}/duration?before={b}",
    "/api/jobs/{a}/tokens?limit={b}",
]


@RELAXED
@given(template=st.sampled_from(TEMPLATES), a=segment, b=segment)
def test_malformed_ids_and_datetimes_never_5xx(client, template, a, b):
    response = client.get(template.format(a=a, b=b))
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.get_json()["error"]
