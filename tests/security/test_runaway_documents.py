"""Issue 11, point 4: documents that would run away are refused or bounded.

Cycles of tasks without a positive offset (they rerun forever), catch-up over
more trigger times than ``WATERWHEEL_MAX_CATCHUP``, and dates no component can
do arithmetic on.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.helpers import create_project
from waterwheel.timeutil import format_datetime, parse_datetime


def job_doc(name: str, tasks: list[dict], *, start: str = "2025-01-01T00:00:00Z", **trigger):
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),  # one uuid per name: updates
        "project": "p",
        "name": name,
        "description": "",
        "paused": True,
        "triggers": [{"name": "t", "start": start, "period": "1d"} | trigger],
        "tasks": tasks,
    }


def stored(client, name: str) -> dict | None:
    response = client.get("/api/jobs", query_string={"project": "p", "name": name})
    if response.status_code == 404:
        return None
    return client.get(f"/api/jobs/{response.get_json()['id']}").get_json()


@pytest.fixture
def project(client):
    return create_project(client, "p")


def assert_refused(response, message: str) -> None:
    assert response.status_code == 400, response.get_json()
    assert message in response.get_json()["error"]


@pytest.mark.parametrize(
    ("tasks", "cycle"),
    [
        ([{"name": "a", "depends": ["trigger/t", "task/a"]}], "p/j/task/a -> p/j/task/a"),
        (
            [
                {"name": "a", "depends": ["trigger/t", "task/c"]},
                {"name": "b", "depends": ["task/a"]},
                {"name": "c", "depends_failure": ["task/b"]},
            ],
            "p/j/task/a -> p/j/task/b -> p/j/task/c -> p/j/task/a",
        ),
    ],
    ids=["itself", "three tasks"],
)
def test_a_cycle_without_offset_in_a_job_is_refused(client, project, tasks, cycle):
    response = client.post("/api/jobs", json=job_doc("j", tasks))
    assert_refused(response, f"rerun forever: {cycle}")
    assert stored(client, "j") is None


def test_a_cycle_with_an_offset_is_accepted(client, project):
    tasks = [
        {"name": "a", "depends": ["trigger/t", "task/b@1d"]},
        {"name": "b", "depends": ["task/a"]},
    ]
    assert client.post("/api/jobs", json=job_doc("j", tasks)).status_code == 201


def test_two_jobs_saved_one_after_the_other_cannot_close_a_cycle(client, project):
    first = job_doc("one", [{"name": "x", "depends": ["trigger/t"]}])
    assert client.post("/api/jobs", json=first).status_code == 201
    second = job_doc("two", [{"name": "y", "depends": ["trigger/t", "one/task/x"]}])
    assert client.post("/api/jobs", json=second).status_code == 201
    before = stored(client, "one")
    closing = job_doc("one", [{"name": "x", "depends": ["trigger/t", "two/task/y"]}])
    assert_refused(
        client.post("/api/jobs", json=closing),
        "rerun forever: p/one/task/x -> p/two/task/y -> p/one/task/x",
    )
    assert stored(client, "one")["raw_definition"] == before["raw_definition"]
    graph = client.get(f"/api/jobs/{before['id']}/graph").get_json()
    assert len([e for e in graph["edges"] if e["kind"] != "trigger"]) == 1  # only y's
    with_offset = job_doc("one", [{"name": "x", "depends": ["trigger/t", "two/task/y@1h"]}])
    assert client.post("/api/jobs", json=with_offset).status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start", "0001-01-01T00:00:00Z"),
        ("start", "0001-01-01T00:30:00+01:00"),  # before datetime's first moment in UTC
        ("start", "1969-12-31T23:59:59Z"),
        ("end", "9999-12-31T23:59:59Z"),
        ("end", "9000-01-01T00:00:00Z"),
    ],
)
def test_dates_out_of_range_are_refused_naming_the_field(client, project, field, value):
    document = job_doc("j", [{"name": "a", "depends": ["trigger/t"]}], **{field: value})
    response = client.post("/api/jobs", json=document)
    assert_refused(response, f"triggers[0].{field}: '{value}' is out of range")
    assert stored(client, "j") is None


def test_dates_at_the_edges_of_the_range_are_accepted_and_printed_in_rfc3339(client, project):
    document = job_doc(
        "j",
        [{"name": "a", "depends": ["trigger/t"]}],
        start="1970-01-01T00:00:00Z",
        end="8999-12-31T23:59:59.999999Z",
    )
    assert client.post("/api/jobs", json=document).status_code == 201
    (trigger,) = client.get(f"/api/jobs/{stored(client, 'j')['id']}/triggers").get_json()
    assert trigger["start_datetime"] == "1970-01-01T00:00:00Z"
    assert trigger["end_datetime"] == "8999-12-31T23:59:59.999999Z"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
        (datetime(999, 12, 31, 23, 59, 59, 5, tzinfo=UTC), "0999-12-31T23:59:59.000005Z"),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "9999-12-31T23:59:59Z"),
    ],
)
def test_datetimes_are_always_written_in_rfc3339(value, text):
    assert format_datetime(value) == text
    assert parse_datetime(text) == value  # and read back
