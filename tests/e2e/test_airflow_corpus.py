"""The rest of the Airflow DAG corpus (tests/compat/dags) beyond test_airflow.py,
translated, deployed through the API and run end to end on the embedded stack
(SQLite, the in-process broker, the local engine running the compat runner),
checked as a user would: task states and every attempt from the API, XComs in
the job stash, rendered templates in the task logs, branches taken and skipped,
callbacks, retries, every trigger rule, and scheduled catch-up runs with the
logical dates and data intervals each Airflow version gives them.

Every DAG is deployed, and its manual runs started, once for the module on one
stack, so that all runs overlap; each test waits for the runs it checks."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.e2e.stack import Stack, embedded_settings, wait_for
from tests.e2e.test_airflow import DAGS, log_of, without_trigger
from waterwheel.compat import xcom
from waterwheel.compat.loader import load_folder
from waterwheel.compat.translate import translate
from waterwheel.db.models import JobStash
from waterwheel.scheduler.rules import DONE
from waterwheel.timeutil import parse_datetime

S, K, F, U = "success", "skipped", "failure", "upstream_failed"
DAY = timedelta(days=1)
WAREHOUSE = "postgres://loader:s3cret@db.example:5432/dw?sslmode=require"

# Run end to end by test_airflow.py.
RUN_ELSEWHERE = {
    "v2_branch",
    "v2_python_context",
    "v2_short_circuit",
    "v2_skip",
    "v2_variables",
    "v2_xcom",
    "v3_params",
    "v3_taskflow",
}
# DAGs run on their schedule (deployed unpaused with their trigger): each
# catches up a few past intervals, or runs once (@once).
SCHEDULED = (
    "v2_catchup_daily",
    "v2_catchup_paris",
    "v2_catchup_weekdays",
    "v2_days_ago",
    "v2_once",
    "v3_catchup_daily",
    "v3_catchup_paris",
    "v3_catchup_recent",
    "v3_catchup_weekdays",
    "v3_imports_sibling",
)
# Manual runs, by a name of their own: the DAG and the run's conf. Scheduled
# DAGs among them are deployed without their trigger, so that no catch-up of
# their (many) past intervals runs next to the manual run.
MANUAL: dict[str, tuple[str, dict[str, Any]]] = {
    name: (name, {})
    for name in (
        "v2_trigger_rules",
        "v3_trigger_rules",
        "v2_retries",
        "v3_callbacks",
        "v2_bash_daily",
        "v2_chain",
        "v2_connections",
        "v2_cron_weekdays",
        "v2_dummy",
        "v2_old_paths",
        "v2_taskflow",
        "v2_taskgroup",
        "v2_timedelta",
        "v2_timezone",
        "v2_unsupported",
        "v3_bash_decorator",
        "v3_branch_decorator",
        "v3_classic",
        "v3_cron",
        "v3_exceptions",
        "v3_providers",
        "v3_task_group_decorator",
        "v3_templates",
        "v3_timedelta",
        "v3_two_dags_a",
        "v3_two_dags_b",
        "v3_variables_connections",
    )
} | {
    "v2_manual": ("v2_manual", {"limit": 3}),
    "v3_branch_decorator_slow": ("v3_branch_decorator", {"route": "slow"}),
}


@dataclass
class Corpus:
    stack: Stack
    project_id: str
    dag_ids: set[str]  # every DAG of the valid corpus files
    jobs: dict[str, str]  # dag_id -> job id
    runs: dict[str, tuple[str, str]]  # manual run -> (job id, trigger time)

    def finished(self, run: str, timeout: float = 90) -> tuple[str, str, dict[str, str]]:
        """The job, trigger time and final task states of a manual run."""
        job_id, at = self.runs[run]
        tasks = set(self.stack.task_ids(job_id))

        def ended() -> dict[str, str] | None:
            states = self.stack.states(job_id, at)
            return states if set(states) == tasks and set(states.values()) <= DONE else None

        return job_id, at, wait_for(ended, timeout, what=f"every task of {run} to end")

    def scheduled(
        self, dag_id: str, expected: Callable[[], list[datetime]], timeout: float = 60
    ) -> dict[datetime, dict[str, str]]:
        """The task states of each trigger time of a scheduled DAG, once the
        times are ``expected()`` (asked again each time: it may depend on now)
        and every task of each has ended."""
        job_id = self.jobs[dag_id]
        runs: dict[datetime, dict[str, str]] = {}

        def ended() -> dict[datetime, dict[str, str]] | None:
            runs.clear()
            for token in self.stack.call("GET", f"/api/jobs/{job_id}/tokens"):
                at = parse_datetime(token["trigger_datetime"])
                runs.setdefault(at, {})[token["task_name"]] = token["state"]
            done = all(set(states.values()) <= DONE for states in runs.values())
            return runs if sorted(runs) == expected() and done else None

        try:
            return wait_for(ended, timeout, what=f"the scheduled runs of {dag_id}")
        except AssertionError:
            raise AssertionError(f"{dag_id}: expected runs at {expected()}, got {runs}") from None

    def attempts(self, run: str, task: str) -> list[tuple[int, str, list[str]]]:
        """Every attempt of a task in a manual run: number, state and log."""
        job_id, at = self.runs[run]
        found = [r for r in self.stack.runs(job_id, at) if r["name"] == task]
        return [
            (r["attempt"], r["state"], self.stack.log(r["task_run_id"]))
            for r in sorted(found, key=lambda r: r["attempt"])
        ]

    def log(self, run: str, task: str) -> list[str]:
        job_id, at = self.runs[run]
        return log_of(self.stack, job_id, at, task)

    def scheduled_log(self, dag_id: str, at: datetime, task: str) -> list[str]:
        return log_of(self.stack, self.jobs[dag_id], _api_time(at), task)

    def xcom(self, run: str, task: str, key: str = xcom.RETURN_VALUE) -> Any:
        """An XCom of the run, read from the job stash in the database (a task's
        stash token dies with its run); None when the task pushed none."""
        job_id, at = self.runs[run]
        with self.stack.db.read() as session:
            data = session.scalar(
                select(JobStash.data).where(
                    JobStash.job_id == uuid.UUID(job_id),
                    JobStash.trigger_datetime == parse_datetime(at),
                    JobStash.name == xcom.stash_key(task, key),
                )
            )
        return None if data is None else xcom.loads(data)

    def edges(self, dag_id: str) -> set[tuple[str, str]]:
        """The job's task dependencies as the API's graph shows them."""
        graph = self.stack.call("GET", f"/api/jobs/{self.jobs[dag_id]}/graph")
        names = {node["id"]: node["name"] for node in graph["nodes"]}
        return {
            (names[e["from"]], names[e["to"]]) for e in graph["edges"] if e["kind"] != "trigger"
        }


def _api_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def launch(stack: Stack) -> Corpus:
    project_id = stack.project("airflow")
    for key, value in (("airflow.var.region", "us"), ("airflow.conn.warehouse", WAREHOUSE)):
        stack.call("PUT", f"/api/projects/{project_id}/stash/{key}", 201, data=value.encode())
    dags = {dag.dag_id: (dag, r.flavour) for r in load_folder(DAGS) for dag in r.dags}
    jobs = {}
    for dag_id in dict.fromkeys([*SCHEDULED, *(dag_id for dag_id, _ in MANUAL.values())]):
        dag, flavour = dags[dag_id]
        document = translate(dag, project="airflow", flavour=flavour, dags_folder=DAGS).document
        if dag_id not in SCHEDULED:
            without_trigger(document)
        # Airflow creates DAGs paused; v2_manual asks not to be, and is left as translated.
        if dag_id != "v2_manual":
            document["paused"] = False
        stack.call("POST", "/api/jobs", 201, json=document)
        jobs[dag_id] = document["uuid"]
    runs = {}
    for name, (dag_id, conf) in MANUAL.items():
        started = stack.call("POST", f"/api/jobs/{jobs[dag_id]}/trigger", 201, json={"conf": conf})
        runs[name] = (jobs[dag_id], started["trigger_datetime"])
    return Corpus(stack, project_id, set(dags), jobs, runs)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    settings, db = embedded_settings(tmp_path_factory.mktemp("corpus"))
    db.upgrade()
    # The worker also takes the queue v2_retries routes its backoff task to.
    stack = Stack(dataclasses.replace(settings, worker_queues=("default", "heavy")), db)
    try:
        yield launch(stack)
    finally:
        stack.stop()
        db.dispose()


def iso(t: datetime) -> str:
    """A date as Airflow prints it in templates."""
    return t.astimezone(UTC).isoformat()


def when(at: str) -> datetime:
    return parse_datetime(at).astimezone(UTC)


def test_every_valid_corpus_dag_is_run_end_to_end(corpus: Corpus) -> None:
    assert corpus.dag_ids == RUN_ELSEWHERE | set(corpus.jobs)
    assert not RUN_ELSEWHERE & set(corpus.jobs)


# What Airflow makes of each trigger rule over each combination of upstream
# results (its trigger_rule_dep): S the task runs (and succeeds), K skipped,
# U upstream_failed. The upstream: ok succeeds, bad fails, skip is skipped,
# broken is upstream_failed (all_success after bad).
COMBINATIONS = ("ok", "bad", "skip", "broken", "ok_bad", "ok_skip", "bad_skip")
RULE_OUTCOMES = {
    "all_success": "S U K U U K U",
    "all_failed": "K S K S K K K",
    "all_done": "S S S S S S S",
    "all_done_min_one_success": "S U K U S K K",
    "one_success": "S U K U S S U",
    "one_failed": "K S K S S K S",
    "one_done": "S S K K S S S",
    "none_failed": "S U S U U S U",
    "none_failed_min_one_success": "S U K U U S U",
    "none_skipped": "S S K S S K K",
    "all_skipped": "K K S K K K K",
    "always": "S S S S S S S",
    # Airflow 2's old names.
    "none_failed_or_skipped": "S U K U U S U",
    "dummy": "S S S S S S S",
}
RULES_OF = {
    "v2_trigger_rules": set(RULE_OUTCOMES) - {"all_done_min_one_success"},
    "v3_trigger_rules": set(RULE_OUTCOMES) - {"none_failed_or_skipped", "dummy"},
}
LETTERS = {"S": S, "K": K, "U": U}


@pytest.mark.parametrize("dag_id", sorted(RULES_OF))
def test_every_trigger_rule_ends_as_in_airflow(corpus: Corpus, dag_id: str) -> None:
    _, _, states = corpus.finished(dag_id)
    assert {t: states.pop(t) for t in ("ok", "bad", "skip", "broken")} == {
        "ok": S,
        "bad": F,
        "skip": K,
        "broken": U,
    }
    expected = {
        f"{rule}.{combination}": LETTERS[outcome]
        for rule in RULES_OF[dag_id]
        for combination, outcome in zip(COMBINATIONS, RULE_OUTCOMES[rule].split(), strict=True)
    }
    assert states == expected


def test_retries_run_again_after_their_delay_until_one_succeeds_or_none_is_left(
    corpus: Corpus,
) -> None:
    _, _, states = corpus.finished("v2_retries")
    assert states == {"plain": S, "backoff": S, "none": S, "flaky": S, "hopeless": F}
    flaky = corpus.attempts("v2_retries", "flaky")
    assert [(n, state, log[0]) for n, state, log in flaky] == [
        (1, F, "try 1 ctx=1"),
        (2, S, "try 2 ctx=2"),
    ]
    hopeless = corpus.attempts("v2_retries", "hopeless")
    assert [(n, state, log[0]) for n, state, log in hopeless] == [
        (1, F, "try 1 of 2"),
        (2, F, "try 2 of 2"),
    ]
    assert [(n, state) for n, state, _ in corpus.attempts("v2_retries", "plain")] == [(1, S)]
    # The second attempt waited for retry_delay (1 s) after the first one ended.
    job_id, at = corpus.runs["v2_retries"]
    first, second = [r for r in corpus.stack.runs(job_id, at) if r["name"] == "flaky"]
    delay = when(second["queued_datetime"]) - when(first["finish_datetime"])
    assert delay >= timedelta(seconds=1)


def test_callbacks_run_on_success_retry_and_failure(corpus: Corpus) -> None:
    _, _, states = corpus.finished("v3_callbacks")
    assert states == {"ok": S, "retrying": F, "recovers": S}
    ((_, _, ok),) = corpus.attempts("v3_callbacks", "ok")
    hooks = ["pre ok", "executing ok", "body", "post result=None", "succeeded ok", "again ok"]
    assert [line for line in ok if line in hooks] == hooks
    # on_retry_callback while a retry is left, on_failure_callback after the last attempt.
    # The callbacks print their task and the exception they were given.
    (_, first, log1), (_, second, log2) = corpus.attempts("v3_callbacks", "retrying")
    assert (first, second) == (F, F)
    assert [line for line in log1 if "retrying:" in line] == [
        "retrying retrying: failing on purpose"
    ]
    assert [line for line in log2 if "retrying:" in line] == ["failed retrying: failing on purpose"]
    (_, first, log1), (_, second, log2) = corpus.attempts("v3_callbacks", "recovers")
    assert (first, second) == (F, S)
    assert "retrying recovers: failing the first try" in log1
    assert log2 == ["try 2 works", "Done. Returned value was: None", "succeeded recovers"]


# Scheduled runs. Airflow 2 runs an interval after it ends, with the interval's
# start as logical date: Waterwheel's trigger time is that start and the trigger
# fires a period later, except for crons of uneven intervals (weekdays), whose
# trigger time is the interval's end. Airflow 3 runs at the scheduled time
# itself: it is the logical date and the run_after, the data interval is empty.


def airflow2_line(logical: datetime, end: datetime, prev: datetime) -> str:
    return (
        f"logical={iso(logical)} ds={logical:%Y-%m-%d} start={iso(logical)} end={iso(end)}"
        f" run=scheduled__{iso(logical)} prev={prev:%Y-%m-%d} next={end:%Y-%m-%d}"
    )


def airflow3_line(logical: datetime) -> str:
    return (
        f"logical={iso(logical)} ds={logical:%Y-%m-%d} start={iso(logical)} end={iso(logical)}"
        f" after={iso(logical)} run=scheduled__{iso(logical)}"
    )


def test_airflow2_catchup_runs_every_past_interval_with_its_logical_date(corpus: Corpus) -> None:
    jan = [datetime(2024, 1, day, tzinfo=UTC) for day in (1, 2, 3)]
    runs = corpus.scheduled("v2_catchup_daily", lambda: jan)
    assert runs == {at: {"dates": S} for at in jan}
    for logical in jan:
        (line,) = corpus.scheduled_log("v2_catchup_daily", logical, "dates")
        assert line == airflow2_line(logical, logical + DAY, logical - DAY)
    # Weekdays at 06:00 from Thursday 4 January to Tuesday's midnight: the
    # Friday interval ends on Monday; each run's trigger time is its end.
    thu, fri, mon, tue = (datetime(2024, 1, day, 6, tzinfo=UTC) for day in (4, 5, 8, 9))
    runs = corpus.scheduled("v2_catchup_weekdays", lambda: [fri, mon, tue])
    assert runs == {at: {"dates": S} for at in (fri, mon, tue)}
    wed = thu - DAY
    for logical, end, prev in ((thu, fri, wed), (fri, mon, thu), (mon, tue, fri)):
        (line,) = corpus.scheduled_log("v2_catchup_weekdays", end, "dates")
        assert line == airflow2_line(logical, end, prev)


def test_airflow3_catchup_runs_every_past_time_as_its_logical_date(corpus: Corpus) -> None:
    jan = [datetime(2024, 1, day, tzinfo=UTC) for day in (1, 2, 3)]
    weekdays = [datetime(2024, 1, day, 6, tzinfo=UTC) for day in (4, 5, 8)]
    for dag_id, times in (("v3_catchup_daily", jan), ("v3_catchup_weekdays", weekdays)):
        runs = corpus.scheduled(dag_id, lambda times=times: times)
        assert runs == {at: {"dates": S} for at in times}
        for logical in times:
            assert corpus.scheduled_log(dag_id, logical, "dates") == [airflow3_line(logical)]


def test_crons_of_dags_in_another_timezone_run_in_utc_without_gaps(corpus: Corpus) -> None:
    """Waterwheel evaluates crons in UTC (the translator warns): 08:30 of a DAG
    in Paris runs at 08:30 UTC, each interval a day long, none left out."""
    days = [datetime(2024, 3, day, 8, 30, tzinfo=UTC) for day in (1, 2)]
    assert corpus.scheduled("v2_catchup_paris", lambda: days) == {at: {"dates": S} for at in days}
    for logical in days:
        (line,) = corpus.scheduled_log("v2_catchup_paris", logical, "dates")
        assert line == airflow2_line(logical, logical + DAY, logical - DAY)
    assert corpus.scheduled("v3_catchup_paris", lambda: days) == {at: {"dates": S} for at in days}
    for logical in days:
        assert corpus.scheduled_log("v3_catchup_paris", logical, "dates") == [
            airflow3_line(logical)
        ]


def _days_from(start: datetime, last: datetime) -> list[datetime]:
    return [start + n * DAY for n in range((last - start) // DAY + 1)] if last >= start else []


def _trigger_start(corpus: Corpus, dag_id: str) -> datetime:
    (trigger,) = corpus.stack.call("GET", f"/api/jobs/{corpus.jobs[dag_id]}/triggers")
    return parse_datetime(trigger["start_datetime"])


def test_daily_dags_started_two_days_ago_run_their_past_days(corpus: Corpus) -> None:
    """Airflow 2 (days_ago(2), no schedule: daily) has run every interval that
    has ended (two, unless midnight passed), not today's; Airflow 3 (@daily)
    has run today's midnight too."""
    start = _trigger_start(corpus, "v2_days_ago")
    runs = corpus.scheduled("v2_days_ago", lambda: _days_from(start, datetime.now(UTC) - DAY))
    newest = max(runs)
    assert newest + DAY <= datetime.now(UTC) < newest + 2 * DAY
    for logical in runs:
        (line,) = corpus.scheduled_log("v2_days_ago", logical, "hello")
        assert line == f"hello for {logical:%Y-%m-%d} until {iso(logical + DAY)}"
    start = _trigger_start(corpus, "v3_catchup_recent")
    runs = corpus.scheduled("v3_catchup_recent", lambda: _days_from(start, datetime.now(UTC)))
    newest = max(runs)
    assert newest <= datetime.now(UTC) < newest + DAY
    for logical in runs:
        assert corpus.scheduled_log("v3_catchup_recent", logical, "dates") == [
            airflow3_line(logical)
        ]


def test_once_runs_at_its_start_date_even_in_the_past(corpus: Corpus) -> None:
    for dag_id, at, task, line in (
        ("v2_once", datetime(2024, 5, 1, 12, tzinfo=UTC), "only", "once"),
        ("v3_imports_sibling", datetime(2024, 6, 1, tzinfo=UTC), "greet", "hello from a helper"),
    ):
        assert corpus.scheduled(dag_id, lambda at=at: [at]) == {at: {task: S}}
        assert corpus.scheduled_log(dag_id, at, task) == [line]


# Manual runs: what a task sees of its run's dates.


def test_airflow2_manual_runs_get_the_last_complete_interval(corpus: Corpus) -> None:
    _, at, _ = corpus.finished("v2_bash_daily")
    t = when(at)
    midnight = t.replace(hour=0, minute=0, second=0)
    assert corpus.log("v2_bash_daily", "show") == [
        f"ds={t:%Y-%m-%d} ts={iso(t)} nodash={t:%Y%m%d} start={iso(midnight - DAY)}"
        f" end={iso(midnight)} prev={t:%Y-%m-%d} next={t:%Y-%m-%d} exec={iso(t)}"
        f" run=manual__{iso(t)} key=v2_bash_daily__show__{t:%Y%m%d} try=1 params=world"
        " ctx=v2_bash_daily/show"
    ]
    assert corpus.log("v2_bash_daily", "last_line") == ["first", "second"]
    assert corpus.xcom("v2_bash_daily", "last_line") == "second"
    assert corpus.log("v2_bash_daily", "from_file") == [
        f"script for {t:%Y-%m-%d} by a file (v2_bash_daily)"
    ]
    _, at, _ = corpus.finished("v2_timedelta")
    t = when(at)
    assert corpus.log("v2_timedelta", "dates") == [f"{iso(t - timedelta(hours=4))} {iso(t)}"]
    # Weekdays at 06:00: the interval is the last one ended at the trigger time.
    _, at, _ = corpus.finished("v2_cron_weekdays")
    t = when(at)
    end = t.replace(hour=6, minute=0, second=0)
    while end > t or end.weekday() >= 5:
        end -= DAY
    start = end - DAY
    while start.weekday() >= 5:
        start -= DAY
    assert corpus.log("v2_cron_weekdays", "dates") == [
        f"logical={iso(t)} start={iso(start)} end={iso(end)}"
    ]
    _, at, _ = corpus.finished("v2_timezone")
    assert corpus.log("v2_timezone", "local") == [iso(when(at))]


def test_airflow3_manual_runs_are_their_trigger_time(corpus: Corpus) -> None:
    _, at, _ = corpus.finished("v3_cron")
    t = iso(when(at))
    assert corpus.log("v3_cron", "dates") == [f"logical={t} start={t} end={t} run=manual__{t}"]
    _, at, _ = corpus.finished("v3_timedelta")
    assert corpus.log("v3_timedelta", "tick") == [iso(when(at))]


# The intended end of every other manual run, task by task.
STATES = {
    "v2_bash_daily": {"show": S, "last_line": S, "from_file": S},
    "v2_chain": {name: S for name in "abcdefghij"},
    "v2_connections": {"show": S, "template": S},
    "v2_cron_weekdays": {"dates": S},
    "v2_dummy": {"start": S, "always": S, "old_rule": S},
    "v2_manual": {"load": S},
    "v2_old_paths": {"first": S, "second": S},
    "v2_taskflow": {"extract": S, "total": S, "report": S},
    "v2_taskgroup": {
        name: S for name in ("start", "extract.a", "extract.inner.b", "c", "d", "end")
    },
    "v2_timedelta": {"dates": S},
    "v2_timezone": {"local": S},
    "v2_unsupported": {"limited": S, "noop": S},
    "v3_bash_decorator": {"name": S, "greet": S, "colour": S},
    "v3_branch_decorator": {
        "pick": S,
        "fast.first": S,
        "fast.second": S,
        "slow": K,
        "done": S,
        "enabled": S,
        "guarded": K,
    },
    "v3_branch_decorator_slow": {
        "pick": S,
        "fast.first": K,
        "fast.second": K,
        "slow": S,
        "done": S,
        "enabled": S,
        "guarded": K,
    },
    "v3_cron": {"dates": S},
    "v3_exceptions": {"producer": S, "consumer": S, "skipper": K},
    # Every rule over two successful upstream tasks.
    "v3_providers": {"work": S, "check": S}
    | {
        f"rule_{rule}": K if rule in ("all_failed", "one_failed", "all_skipped") else S
        for rule in RULE_OUTCOMES
        if rule not in ("none_failed_or_skipped", "dummy")
    },
    "v3_task_group_decorator": {
        name: S
        for name in (
            "source",
            "process.double",
            "process.store",
            "process__1.double",
            "process__1.store",
            "finish",
        )
    },
    "v3_templates": {
        "macros": S,
        "from_file": S,
        "native": S,
        "text": S,
        "sql_file": S,
        "strict": F,  # an undefined name in a template fails the task
    },
    "v3_timedelta": {"tick": S},
    "v3_two_dags_a": {"a": S},
    "v3_two_dags_b": {"b": S},
}


@pytest.mark.parametrize("run", sorted(STATES))
def test_manual_runs_end_as_their_authors_intended(corpus: Corpus, run: str) -> None:
    assert corpus.finished(run)[2] == STATES[run]


def test_task_groups_prefix_task_names_and_link_their_edges(corpus: Corpus) -> None:
    assert corpus.edges("v2_taskgroup") == {
        ("start", "extract.a"),
        ("extract.a", "extract.inner.b"),
        ("extract.inner.b", "c"),
        ("extract.inner.b", "d"),
        ("c", "end"),
        ("d", "end"),
    }
    corpus.finished("v2_taskgroup")
    assert corpus.log("v2_taskgroup", "extract.inner.b") == ["b"]
    # A @task_group called twice: group and group__1, the first one before finish.
    assert corpus.edges("v3_task_group_decorator") == {
        ("source", "process.double"),
        ("process.double", "process.store"),
        ("process.store", "finish"),
        ("source", "process__1.double"),
        ("process__1.double", "process__1.store"),
    }
    corpus.finished("v3_task_group_decorator")
    for group in ("process", "process__1"):
        assert corpus.xcom("v3_task_group_decorator", f"{group}.double") == 2
        assert "stored 2" in corpus.log("v3_task_group_decorator", f"{group}.store")


def test_chain_and_cross_downstream_edges(corpus: Corpus) -> None:
    assert corpus.edges("v2_chain") == {
        *(("a", x) for x in "bcg"),
        ("b", "d"),
        ("c", "e"),
        ("d", "f"),
        ("e", "f"),
        *((x, y) for x in "fg" for y in "hi"),
        ("h", "j"),
        ("i", "j"),
    }
    job_id, at, _ = corpus.finished("v2_chain")
    # No-op tasks too start once their upstream tasks have ended.
    runs = {r["name"]: r for r in corpus.stack.runs(job_id, at)}
    for parent, child in corpus.edges("v2_chain"):
        assert when(runs[child]["started_datetime"]) >= when(runs[parent]["finish_datetime"])


def test_templates_from_files_macros_filters_and_native_rendering(corpus: Corpus) -> None:
    _, at, _ = corpus.finished("v3_templates")
    t = when(at)
    assert corpus.log("v3_templates", "macros") == [
        f"plus={t + 3 * DAY:%Y-%m-%d} fmt={t:%d/%m/%Y} team=data shout=HI! filt={t:%Y%m%d}"
    ]
    assert corpus.log("v3_templates", "from_file") == [
        f"script for {t:%Y-%m-%d} by data (v3_templates)"
    ]
    assert f"SELECT * FROM events WHERE day = '{t:%Y-%m-%d}' AND team = 'data' -- 10" in (
        corpus.log("v3_templates", "sql_file")
    )
    assert "type list [1, 2, 3]" in corpus.log("v3_templates", "native")
    assert "type str [1, 2, 3]" in corpus.log("v3_templates", "text")
    assert any("no_such_name" in line for line in corpus.log("v3_templates", "strict"))


def test_connections_and_variables_from_the_project_stash(corpus: Corpus) -> None:
    corpus.finished("v2_connections")
    assert corpus.log("v2_connections", "show") == [
        "conn postgres db.example loader s3cret 5432 dw",
        "extra {'sslmode': 'require'}",
        f"uri {WAREHOUSE}",
        "Done. Returned value was: None",
    ]
    assert corpus.log("v2_connections", "template") == ["db.example:5432"]
    # Variable.set from a task is being changed elsewhere: only `read` is checked.
    corpus.finished("v3_variables_connections")
    assert corpus.log("v3_variables_connections", "read")[:4] == [
        "region us",
        "default dflt",
        "absent raises AirflowRuntimeError",
        "conn db.example loader dw require",
    ]


def test_bash_and_branch_decorators(corpus: Corpus) -> None:
    _, at, _ = corpus.finished("v3_bash_decorator")
    assert corpus.xcom("v3_bash_decorator", "name") == "waterwheel"
    # Airflow logs the value itself (%s), not its repr.
    assert corpus.log("v3_bash_decorator", "name") == ["Done. Returned value was: waterwheel"]
    assert corpus.log("v3_bash_decorator", "greet") == [f"hello waterwheel on {at[:10]}"]
    assert corpus.xcom("v3_bash_decorator", "greet") == f"hello waterwheel on {at[:10]}"
    assert corpus.log("v3_bash_decorator", "colour") == ["colour=blue dag=v3_bash_decorator"]
    # The branch's choice is its XCom; which tasks ran is in test_manual_runs_end_as...
    for run, route in (("v3_branch_decorator", "fast"), ("v3_branch_decorator_slow", "slow")):
        corpus.finished(run)
        assert corpus.xcom(run, "pick") == route
        assert corpus.xcom(run, "enabled") is False


def test_custom_operator_and_branch_operator_follow_the_logical_day(corpus: Corpus) -> None:
    _, at, states = corpus.finished("v3_classic")
    t = when(at)
    chosen, other = ("even", "odd") if t.day % 2 == 0 else ("odd", "even")
    # a and b (all_success) follow a skipped branch, so they are skipped too.
    assert states == {"greet": S, "pick": S, chosen: S, other: K, "a": K, "b": K}
    # chain_linear links every task of a step to every task of the next one.
    assert corpus.edges("v3_classic") == {
        ("greet", "pick"),
        ("pick", "even"),
        ("pick", "odd"),
        *((x, y) for x in ("even", "odd") for y in "ab"),
        ("greet", "b"),
    }
    assert corpus.log("v3_classic", "greet")[0] == f"Greeter says hi {t:%Y-%m-%d}"
    assert corpus.xcom("v3_classic", "greet") == f"hi {t:%Y-%m-%d}"


def test_exceptions_and_airflow3_xcom_pull_defaults(corpus: Corpus) -> None:
    corpus.finished("v3_exceptions")
    assert corpus.log("v3_exceptions", "consumer")[:3] == [
        "value produced",
        "own only None",
        "explicit from producer",
    ]
    assert corpus.xcom("v3_exceptions", "producer") == "produced"
    assert corpus.xcom("v3_exceptions", "producer", "shared") == "from producer"
    assert "Task skipped: skip me" in corpus.log("v3_exceptions", "skipper")
    assert corpus.xcom("v3_exceptions", "skipper") is None


def test_taskflow_multiple_outputs_and_manual_conf(corpus: Corpus) -> None:
    _, at, _ = corpus.finished("v2_taskflow")
    assert corpus.xcom("v2_taskflow", "extract", "orders") == 3
    assert corpus.xcom("v2_taskflow", "extract", "customers") == 2
    assert corpus.xcom("v2_taskflow", "total") == 32
    assert f"report 32 for {at[:10]}" in corpus.log("v2_taskflow", "report")
    _, at, _ = corpus.finished("v2_manual")
    # Bash drops the quotes of the rendered {'limit': 3}, as under Airflow.
    assert corpus.log("v2_manual", "load") == [
        f"table=events limit=3 conf={{limit: 3}} run=manual__{iso(when(at))}"
    ]


def test_old_import_paths_and_unsupported_arguments_still_run(corpus: Corpus) -> None:
    corpus.finished("v2_old_paths")
    assert corpus.log("v2_old_paths", "first") == ["first"]
    assert "second" in corpus.log("v2_old_paths", "second")
    corpus.finished("v2_unsupported")
    assert corpus.log("v2_unsupported", "limited") == ["hi"]
