"""Issue 11, point 4: documents that would run away are refused or bounded.

Cycles of tasks without a positive offset (they rerun forever), catch-up over
more trigger times than ``WATERWHEEL_MAX_CATCHUP``, and dates no component can
do arithmetic on.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.helpers import create_project
from waterwheel.config import ConfigError, Settings
from waterwheel.db.models import TaskRun
from waterwheel.scheduler.triggers import TriggerLoop
from waterwheel.timeutil import format_datetime, parse_datetime, utcnow


def job_doc(
    name: str,
    tasks: list[dict],
    *,
    start: str = "2025-01-01T00:00:00Z",
    paused: bool = True,
    **trigger,
):
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),  # one uuid per name: updates
        "project": "p",
        "name": name,
        "description": "",
        "paused": paused,
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


NOW = datetime(2026, 1, 1, tzinfo=UTC)
CAP = 50


def every_second_since(client, start: str) -> str:
    document = job_doc(
        "j", [{"name": "a", "depends": ["trigger/t"]}], start=start, period="1s", paused=False
    )
    assert client.post("/api/jobs", json=document).status_code == 201
    return stored(client, "j")["id"]


def catch_up(loop: TriggerLoop) -> None:
    """Passes of the trigger loop until nothing is due (the clock stands still)."""
    loop.reload()
    loop._refresh()
    while (upcoming := loop._fire_due()) is not None and upcoming[0] <= utcnow():
        pass


def run_times(db) -> list[datetime]:
    with db.read() as session:
        return sorted(session.scalars(select(TaskRun.trigger_datetime)))


def trigger_view(client, job_id: str) -> dict:
    (trigger,) = client.get(f"/api/jobs/{job_id}/triggers").get_json()
    return trigger


def test_a_catch_up_runs_at_most_max_catchup_times_and_skips_the_oldest(
    client, db, project, time_machine
):
    # A period of 1s from 1970: 1.7 billion missed times.
    time_machine.move_to(NOW, tick=False)
    job_id = every_second_since(client, "1970-01-01T00:00:00Z")
    dispatched: list = []
    loop = TriggerLoop(db, owns=lambda _id: True, dispatch=dispatched.extend, max_catchup=CAP)
    catch_up(loop)
    newest = [NOW - timedelta(seconds=n) for n in reversed(range(CAP))]
    assert run_times(db) == newest == [e.request.trigger_datetime for e in dispatched]
    trigger = trigger_view(client, job_id)
    assert trigger["earliest_trigger_datetime"] == "1970-01-01T00:00:00Z"
    assert trigger["latest_trigger_datetime"] == format_datetime(NOW)
    assert trigger["catchup_skipped_through"] == format_datetime(newest[0] - timedelta(seconds=1))
    # A scheduler stalled for an hour is held to the cap as well.
    later = NOW + timedelta(hours=1)
    time_machine.move_to(later, tick=False)
    loop._fire_due()
    assert len(run_times(db)) == 2 * CAP
    assert trigger_view(client, job_id)["catchup_skipped_through"] == format_datetime(
        later - timedelta(seconds=CAP)
    )


def test_a_start_moved_back_fills_in_at_most_max_catchup_times(client, db, project, time_machine):
    time_machine.move_to(NOW, tick=False)
    job_id = every_second_since(client, format_datetime(NOW - timedelta(seconds=9)))
    loop = TriggerLoop(db, owns=lambda _id: True, dispatch=lambda _: None, max_catchup=CAP)
    catch_up(loop)
    assert len(run_times(db)) == 10
    every_second_since(client, "1970-01-01T00:00:00Z")  # the start moves back 56 years
    catch_up(loop)
    times = run_times(db)
    assert times == [NOW - timedelta(seconds=n) for n in reversed(range(10 + CAP))]
    trigger = trigger_view(client, job_id)
    assert trigger["earliest_trigger_datetime"] == "1970-01-01T00:00:00Z"
    assert trigger["catchup_skipped_through"] == format_datetime(times[0] - timedelta(seconds=1))


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_max_catchup_must_be_a_positive_count(value):
    with pytest.raises(ConfigError, match="WATERWHEEL_MAX_CATCHUP"):
        Settings.from_env({"WATERWHEEL_MAX_CATCHUP": value})
    assert Settings.from_env({}).max_catchup == 1000
