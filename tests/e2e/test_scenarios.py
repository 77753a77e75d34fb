"""Jobs running end to end, asserted through the public API as a user sees them.

Each scenario runs twice: on the embedded default and on the real services
with the Docker engine (see conftest.py).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
from datetime import UTC, datetime, timedelta

import docker
import pytest

from tests.e2e.stack import Stack, shell, wait_for
from waterwheel.scheduler.service import Scheduler
from waterwheel.timeutil import format_datetime, parse_datetime

T = "2025-01-01T00:00:00Z"


def finished(stack: Stack, job_id: str, at: str, count: int):
    """The runs at ``at`` once ``count`` of them have ended."""

    def check():
        runs = stack.runs(job_id, at)
        done = [r for r in runs if r["finish_datetime"]]
        return runs if len(done) >= count else None

    return wait_for(check, what=f"{count} finished runs")


def by_name(runs: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for run in runs:
        grouped.setdefault(run["name"], []).append(run)
    return grouped


def ts(value: str) -> datetime:
    return parse_datetime(value)


def test_fan_out_and_fan_in_with_thresholds(stack):
    job = stack.job(
        "fan",
        [
            {"name": "start", "docker": shell("echo go")},
            *[
                {"name": n, "docker": shell(f"echo {n}; sleep 0.3"), "depends": ["task/start"]}
                for n in ("a", "b", "c")
            ],
            {
                "name": "join",
                "docker": shell("echo joined"),
                "depends": ["task/a", "task/b", "task/c"],
            },
            {"name": "any", "depends": ["task/a", "task/b", "task/c"], "threshold": 1},
        ],
    )
    stack.activate(stack.task_ids(job)["start"], T)
    runs = by_name(finished(stack, job, T, 1 + 3 + 1 + 3))
    assert {name: [r["state"] for r in rs] for name, rs in runs.items()} == {
        "start": ["success"],
        "a": ["success"],
        "b": ["success"],
        "c": ["success"],
        "join": ["success"],
        "any": ["success"] * 3,  # threshold 1: once per upstream success
    }
    last_upstream = max(ts(runs[n][0]["finish_datetime"]) for n in "abc")
    assert ts(runs["join"][0]["queued_datetime"]) >= last_upstream
    first_upstream = min(ts(runs[n][0]["started_datetime"]) for n in "abc")
    assert first_upstream >= ts(runs["start"][0]["finish_datetime"])
    assert stack.log(runs["join"][0]["task_run_id"]) == ["joined"]
    assert stack.states(job, T) == dict.fromkeys(["a", "any", "b", "c", "join", "start"], "success")


def test_failure_edge(stack):
    job = stack.job(
        "failing",
        [
            {"name": "bad", "docker": shell("echo about to fail; exit 3")},
            {"name": "on_ok", "docker": shell("echo ok"), "depends": ["task/bad"]},
            {"name": "on_fail", "docker": shell("echo handled"), "depends_failure": ["task/bad"]},
        ],
    )
    stack.activate(stack.task_ids(job)["bad"], T)
    runs = by_name(finished(stack, job, T, 2))
    assert runs["bad"][0]["state"] == "failure"
    assert runs["bad"][0]["message"] == "exit code 3"
    assert stack.log(runs["bad"][0]["task_run_id"]) == ["about to fail"]
    assert runs["on_fail"][0]["state"] == "success"
    # bad's failure was applied before on_fail was queued: on_ok was passed over then.
    assert "on_ok" not in by_name(stack.runs(job, T))


def test_cross_job_dependency(stack):
    up = stack.job("upstream", [{"name": "produce", "docker": shell("echo produced")}])
    down = stack.job(
        "downstream",
        [
            {
                "name": "consume",
                "docker": shell("echo consumed"),
                "depends": ["upstream/task/produce@1h"],
            }
        ],
    )
    stack.activate(stack.task_ids(up)["produce"], T)
    later = format_datetime(ts(T) + timedelta(hours=1))
    (run,) = finished(stack, down, later, 1)
    assert (run["name"], run["state"], run["trigger_datetime"]) == ("consume", "success", later)


def test_retry_succeeds_on_attempt_two(stack):
    job = stack.job(
        "retrying",
        [
            {
                "name": "flaky",
                "docker": shell(
                    'echo attempt $WATERWHEEL_ATTEMPT; [ "$WATERWHEEL_ATTEMPT" -ge 2 ]'
                ),
                "retry": {"max_attempts": 3, "delay": "1s"},
            },
            {"name": "after", "docker": shell("echo after"), "depends": ["task/flaky"]},
        ],
    )
    stack.activate(stack.task_ids(job)["flaky"], T)
    runs = by_name(finished(stack, job, T, 3))
    first, second = runs["flaky"]
    assert (first["attempt"], first["state"]) == (1, "failure")
    assert (second["attempt"], second["state"]) == (2, "success")
    assert ts(second["queued_datetime"]) >= ts(first["finish_datetime"]) + timedelta(seconds=1)
    assert stack.log(second["task_run_id"]) == ["attempt 2"]
    assert [r["state"] for r in runs["after"]] == ["success"]


def test_fail_exit_code_fails_at_once_and_other_failures_retry(stack):
    retry = {"max_attempts": 3, "delay": "1s"}
    job = stack.job(
        "hopeless",
        [
            {"name": "start"},
            *[
                {
                    "name": name,
                    "docker": shell(f"echo {name}; exit {code}"),
                    "retry": retry,
                    "fail_exit_code": 98,
                    "depends": ["task/start"],
                }
                for name, code in (("hopeless", 98), ("flaky", 3))
            ],
            {
                "name": "cleanup",
                "docker": shell("echo cleaning up"),
                "depends_failure": ["task/hopeless"],
            },
        ],
    )
    stack.activate(stack.task_ids(job)["start"], T)
    runs = by_name(finished(stack, job, T, 1 + 1 + 3 + 1))
    (hopeless,) = runs["hopeless"]
    assert (hopeless["attempt"], hopeless["state"]) == (1, "failure")
    assert hopeless["message"] == "exit code 98 (fail_exit_code: no retry)"
    assert [(r["attempt"], r["state"]) for r in runs["flaky"]] == [
        (1, "failure"),
        (2, "failure"),
        (3, "failure"),
    ]
    # The failure edge fired as the one attempt ended, not after any retry delay.
    (cleanup,) = runs["cleanup"]
    assert cleanup["state"] == "success"
    assert ts(cleanup["queued_datetime"]) < ts(runs["flaky"][1]["queued_datetime"])
    assert stack.states(job, T)["hopeless"] == "failure"


def test_timeout_stops_the_task_and_follows_failure_edges(stack):
    job = stack.job(
        "slow",
        [
            {"name": "slow", "docker": shell("echo start; sleep 30; echo never"), "timeout": "1s"},
            {"name": "on_fail", "depends_failure": ["task/slow"]},
        ],
    )
    stack.activate(stack.task_ids(job)["slow"], T)
    runs = by_name(finished(stack, job, T, 2))
    (slow,) = runs["slow"]
    assert slow["state"] == "timeout"
    assert runs["on_fail"][0]["state"] == "success"
    # Stopped, not waited for: it ended long before its sleep would have.
    assert ts(slow["finish_datetime"]) - ts(slow["started_datetime"]) < timedelta(seconds=20)
    assert stack.log(runs["slow"][0]["task_run_id"]) == ["start"]
    if stack.settings.task_engine == "docker":
        label = f"waterwheel.task_run_id={runs['slow'][0]['task_run_id']}"
        assert docker.from_env().containers.list(all=True, filters={"label": label}) == []


STASH_URL = (
    '"${WATERWHEEL_SERVER_ADDR}int-api/jobs/$WATERWHEEL_JOB_ID/stash/'
    '$WATERWHEEL_TRIGGER_DATETIME/greeting"'
)
AUTH = '--header "Authorization: Bearer $WATERWHEEL_JWT"'


def test_task_writes_the_job_stash_and_a_downstream_task_reads_it(stack):
    job = stack.job(
        "stash",
        [
            {
                "name": "writer",
                "docker": shell(
                    f'wget -q -O /dev/null {AUTH} --post-data "hello from $WATERWHEEL_TASK_NAME" '
                    + STASH_URL
                ),
            },
            {
                "name": "reader",
                "docker": shell(f"echo got: $(wget -q -O - {AUTH} {STASH_URL})"),
                "depends": ["task/writer"],
            },
        ],
    )
    stack.activate(stack.task_ids(job)["writer"], T)
    runs = by_name(finished(stack, job, T, 2))
    assert [r["state"] for r in runs["writer"] + runs["reader"]] == ["success", "success"]
    assert stack.log(runs["reader"][0]["task_run_id"]) == ["got: hello from writer"]


PROJECT_STASH = '"${WATERWHEEL_SERVER_ADDR}int-api/projects/$WATERWHEEL_PROJECT_ID/stash/'


def test_tasks_write_the_project_stash_only_under_their_grant(stack):
    post = f'wget -q -O /dev/null {AUTH} --post-data "$WATERWHEEL_TRIGGER_DATETIME" {PROJECT_STASH}'
    job = stack.job(
        "state",
        [
            {
                "name": "writer",
                "docker": shell(post + 'state.last_run"'),
                "project_stash_write": ["state."],
            },
            {
                "name": "overreach",
                "docker": shell(post + 'secret.password"'),
                "project_stash_write": ["state."],
                "depends": ["task/writer"],
            },
            {
                "name": "reader",
                "docker": shell(
                    f'echo last run: $(wget -q -O - {AUTH} {PROJECT_STASH}state.last_run")'
                ),
                "depends": ["task/writer"],
            },
        ],
    )
    stack.activate(stack.task_ids(job)["writer"], T)
    runs = by_name(finished(stack, job, T, 3))
    states = {name: [r["state"] for r in rs] for name, rs in runs.items()}
    assert states == {"writer": ["success"], "overreach": ["failure"], "reader": ["success"]}
    assert stack.log(runs["reader"][0]["task_run_id"]) == [f"last run: {T}"]
    (project,) = stack.call("GET", "/api/projects")
    assert stack.call("GET", f"/api/projects/{project['id']}/stash") == ["state.last_run"]


def test_latest_only_catch_up_runs_just_the_newest_missed_time(stack):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=10, seconds=30)
    job = stack.job(
        "newest",
        [{"name": "tick", "docker": shell("echo tick"), "depends": ["trigger/hourly"]}],
        triggers=[
            {
                "name": "hourly",
                "start": format_datetime(start),
                "period": "1h",
                "catchup": "latest_only",
            }
        ],
    )
    newest = format_datetime(start + timedelta(hours=10))
    (run,) = finished(stack, job, newest, 1)
    assert (run["state"], run["priority"]) == ("success", "backfill")
    (trigger,) = stack.call("GET", f"/api/jobs/{job}/triggers")
    assert trigger["latest_trigger_datetime"] == newest
    assert trigger["next_trigger_datetime"] == format_datetime(start + timedelta(hours=11))
    tokens = stack.call("GET", f"/api/jobs/{job}/tokens")
    assert [t["trigger_datetime"] for t in tokens] == [newest]  # the ten older ones skipped


def test_scheduler_restart_fires_every_trigger_time_once(stack):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=2)
    job = stack.job(
        "ticking",
        [{"name": "tick", "depends": ["trigger/every_second"]}],
        triggers=[{"name": "every_second", "start": format_datetime(start), "period": "1s"}],
    )

    def fired() -> list[datetime]:
        return sorted(
            ts(t["trigger_datetime"]) for t in stack.call("GET", f"/api/jobs/{job}/tokens")
        )

    wait_for(lambda: len(fired()) >= 3, what="three trigger times")
    stack.stop_scheduler()
    stopped = datetime.now(UTC)
    # Times come due while no scheduler runs: the next one catches them up.
    wait_for(lambda: datetime.now(UTC) >= stopped + timedelta(seconds=2.5), what="times missed")
    stack.start_scheduler()
    wait_for(lambda: fired()[-1] >= stopped + timedelta(seconds=4), what="firing after the restart")
    stack.call("PUT", f"/api/jobs/{job}/paused", 204, json={"paused": True})
    times = fired()
    assert len(times) >= 7
    assert times == [start + timedelta(seconds=n) for n in range(len(times))]
    for at in times:
        runs = stack.runs(job, format_datetime(at))
        assert [r["attempt"] for r in runs] == [1], (at, runs)


@pytest.fixture
def services_stack(services):
    """Only on the real services: the in-process broker and worker live and die
    with the whole process (test_standalone.py covers that). Heartbeats may be
    held up for the length of a broker restart without the run counting as lost."""
    settings, db = services
    running = Stack(dataclasses.replace(settings, requeue_missed_heartbeats=30), db)
    running.project()
    yield running
    running.stop()


def test_broker_restart_loses_nothing(services_stack):
    stack = services_stack
    job = stack.job(
        "through_restart",
        [
            {"name": "first", "docker": shell("echo before; sleep 3; echo after")},
            {"name": "second", "docker": shell("echo second"), "depends": ["task/first"]},
        ],
    )
    stack.activate(stack.task_ids(job)["first"], T)
    wait_for(lambda: stack.states(job, T).get("first") == "running", what="first running")
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=60)
    subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=60)
    runs = by_name(finished(stack, job, T, 2))
    assert [r["state"] for r in runs["first"]] == ["success"]
    assert [r["state"] for r in runs["second"]] == ["success"]
    assert stack.log(runs["first"][0]["task_run_id"]) == ["before", "after"]


def test_worker_killed_mid_task_is_run_again(services):
    """The run goes on as a new attempt elsewhere, and the killed worker's
    container, still running, is removed by the worker that remains."""
    stack = Stack(*services, with_worker=False)
    client = docker.from_env()
    try:
        stack.project()
        first_runs_long = 'echo started; [ "$WATERWHEEL_ATTEMPT" = 1 ] && sleep 120; echo done'
        job = stack.job("victim", [{"name": "long", "docker": shell(first_runs_long)}])
        process = stack.worker_process()
        stack.activate(stack.task_ids(job)["long"], T)
        wait_for(lambda: stack.states(job, T).get("long") == "running", what="the run to start")
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        stack.start_worker()
        runs = finished(stack, job, T, 2)
        assert [(r["attempt"], r["state"]) for r in runs] == [(1, "error"), (2, "success")]
        assert "stopped sending heartbeats" in runs[0]["message"]
        assert runs[1]["worker_id"] != runs[0]["worker_id"]
        orphan = {"label": f"waterwheel.task_run_id={runs[0]['task_run_id']}"}
        wait_for(
            lambda: not client.containers.list(all=True, filters=orphan, ignore_removed=True),
            timeout=30,
            what="the killed worker's container to be removed",
        )
    finally:
        stack.stop()
        for container in client.containers.list(
            all=True, filters={"label": "waterwheel.task_name=long"}
        ):
            container.remove(force=True)  # whatever the test left


def test_worker_stopped_mid_task_hands_the_run_back(stack):
    """A stopped worker ends its runs and says so: each runs again at once as a
    new attempt, with no wait for it to go silent."""
    first_runs_long = 'trap "exit 143" TERM; [ "$WATERWHEEL_ATTEMPT" = 1 ] && sleep 120 & wait'
    job = stack.job("handed_back", [{"name": "long", "docker": shell(first_runs_long)}])
    stack.activate(stack.task_ids(job)["long"], T)
    wait_for(lambda: stack.states(job, T).get("long") == "running", what="the run to start")
    stopped = stack.worker
    stopped.stop()
    stack.start_worker()
    runs = finished(stack, job, T, 2)
    assert [(r["attempt"], r["state"]) for r in runs] == [(1, "error"), (2, "success")]
    assert runs[0]["message"] == f"interrupted: worker {stopped.id} was stopped"
    assert runs[1]["worker_id"] != str(stopped.id)


DECISION_URL = (
    '"${WATERWHEEL_SERVER_ADDR}int-api/jobs/$WATERWHEEL_JOB_ID/stash/'
    '$WATERWHEEL_TRIGGER_DATETIME/_decision.$WATERWHEEL_TASK_NAME"'
)


def test_trigger_rules_branch_and_skip(stack):
    """A branch chooses one side, a task skips by its exit code, and the rules
    below decide: skipped, upstream_failed, or run."""
    job = stack.job(
        "branching",
        [
            {
                "name": "choose",
                "docker": shell(
                    f"wget -q -O /dev/null {AUTH} --post-data "
                    f'\'{{"followed": ["left"]}}\' {DECISION_URL}'
                ),
            },
            {
                "name": "left",
                "docker": shell("exit 99"),
                "skip_exit_code": 99,
                "depends": ["task/choose"],
                "trigger_rule": "all_success",
            },
            {
                "name": "right",
                "docker": shell("echo never"),
                "depends": ["task/choose"],
                "trigger_rule": "all_success",
            },
            {"name": "after_left", "depends": ["task/left"], "trigger_rule": "all_success"},
            {
                "name": "join",
                "docker": shell("echo joined"),
                "depends": ["task/left", "task/right"],
                "trigger_rule": "all_done",
            },
            {
                "name": "broken",
                "docker": shell("exit 1"),
                "depends": ["task/join"],
                "trigger_rule": "all_success",
            },
            {"name": "needs_broken", "depends": ["task/broken"], "trigger_rule": "all_success"},
            {
                "name": "on_failure",
                "docker": shell("echo cleaning up"),
                "depends": ["task/broken"],
                "trigger_rule": "one_failed",
            },
        ],
    )
    stack.activate(stack.task_ids(job)["choose"], T)
    wait_for(lambda: stack.states(job, T).get("on_failure") == "success", what="the whole graph")
    assert stack.states(job, T) == {
        "after_left": "skipped",
        "broken": "failure",
        "choose": "success",
        "join": "success",
        "left": "skipped",
        "needs_broken": "upstream_failed",
        "on_failure": "success",
        "right": "skipped",
    }
    runs = by_name(stack.runs(job, T))
    assert runs["left"][0]["message"] == "skipped (exit code 99)"
    assert runs["right"][0]["message"] == "skipped by a branch upstream"
    assert stack.log(runs["join"][0]["task_run_id"]) == ["joined"]


def test_two_schedulers_fire_each_trigger_time_once(stack):
    """Active/active: both schedulers run; when one stops, the other takes its
    triggers over; every trigger time runs exactly once throughout."""
    second = Scheduler(stack.settings, stack.db, stack.broker, stack.metrics).start()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    jobs = [
        stack.job(
            f"ticking_{n}",
            [{"name": "tick", "depends": ["trigger/every_second"]}],
            triggers=[{"name": "every_second", "start": format_datetime(start), "period": "1s"}],
        )
        for n in range(4)  # several triggers, so both schedulers own some
    ]

    def times_of(job: str) -> list[datetime]:
        return sorted(
            ts(t["trigger_datetime"]) for t in stack.call("GET", f"/api/jobs/{job}/tokens")
        )

    wait_for(lambda: all(len(times_of(j)) >= 3 for j in jobs), what="three times of each job")
    second.stop()
    stopped = datetime.now(UTC)
    # The survivor takes the stopped scheduler's triggers over within a few heartbeats.
    wait_for(
        lambda: all(times_of(j)[-1] >= stopped + timedelta(seconds=2) for j in jobs),
        timeout=60,
        what="every trigger firing after the stop",
    )
    for job in jobs:  # a pause waits for a firing in flight: nothing fires after it
        stack.call("PUT", f"/api/jobs/{job}/paused", 204, json={"paused": True})
    for job in jobs:
        times = times_of(job)
        assert times == [start + timedelta(seconds=n) for n in range(len(times))]
        for at in times:
            assert [r["attempt"] for r in stack.runs(job, format_datetime(at))] == [1]
