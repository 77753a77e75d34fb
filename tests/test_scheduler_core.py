"""The scheduler's database moves, on SQLite and PostgreSQL: firing trigger
times, token thresholds and claims, progress, retries and lost runs."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from waterwheel.broker.messages import Progress
from waterwheel.db.jobstore import save_job
from waterwheel.db.models import Job, Project, Retry, Task, TaskRun, Token, Trigger
from waterwheel.jobdoc import parse_job
from waterwheel.scheduler.claims import claim_runs
from waterwheel.scheduler.maintenance import due_retries, requeue_lost, resume_job
from waterwheel.scheduler.progress import apply_progress, retry_delay
from waterwheel.scheduler.runs import LOST_RUN_REQUEUES, add_tokens, run_ready
from waterwheel.scheduler.triggers import OwnedTrigger, fire, load_triggers, order_catchup
from waterwheel.states import State
from waterwheel.timeutil import format_datetime

T0 = datetime(2025, 1, 1, tzinfo=UTC)
WORKER = uuid.uuid4()


def deploy(db, tasks, triggers=None, paused=False, name="job"):
    with db.transaction() as session:
        if session.scalar(select(Project).where(Project.name == "p")) is None:
            session.add(Project(id=uuid.uuid4(), name="p", description=""))
            session.flush()
        spec = parse_job(
            {
                "uuid": str(uuid.uuid4()),
                "project": "p",
                "name": name,
                "description": "",
                "paused": paused,
                "triggers": triggers
                if triggers is not None
                else [{"name": "t", "start": "2025-01-01T00:00:00Z", "period": "1h"}],
                "tasks": tasks,
            }
        )
        return save_job(session, spec).job_id


def task_id(db, name):
    with db.transaction() as session:
        return session.scalar(select(Task.id).where(Task.name == name))


def runs(db, name=None):
    with db.transaction() as session:
        query = select(TaskRun, Task.name).join(Task, Task.id == TaskRun.task_id)
        if name:
            query = query.where(Task.name == name)
        return session.execute(query.order_by(TaskRun.queued_datetime)).all()


def finish(db, run, result, retry_delay_default=300, exit_code=None):
    progress = Progress(
        task_run_id=run.id,
        task_id=run.task_id,
        trigger_datetime=run.trigger_datetime,
        started_datetime=T0,
        finished_datetime=datetime.now(UTC),
        result=result,
        worker_id=WORKER,
        attempt=run.attempt,
        message=None if exit_code is None else f"exit code {exit_code}",
        exit_code=exit_code,
    )
    return applied(db, [progress], retry_delay_default)


def applied(db, batch, retry_delay_default=300):
    """The batch applied as a scheduler does, its runs claimed first by WORKER,
    as a worker does before it runs them (a claimed run is not claimed again)."""
    with db.transaction() as session:
        claim_runs(session, WORKER, list({p.task_run_id for p in batch}), datetime.now(UTC))
        return apply_progress(session, batch, retry_delay_default)


def fire_trigger(db, times, priority="normal"):
    with db.transaction() as session:
        trigger = load_triggers(session)[0]
        return fire(session, trigger, times, priority)


def test_trigger_fires_each_time_once_by_compare_and_set(db):
    deploy(db, [{"name": "a", "depends": ["trigger/t"]}])
    with db.transaction() as session:
        first, second = load_triggers(session)[0], load_triggers(session)[0]
    with db.transaction() as session:
        won = fire(session, first, [T0, T0 + timedelta(hours=1)], "backfill")
    with db.transaction() as session:
        lost = fire(session, second, [T0], "normal")  # a second scheduler, same bookmark
    assert [e.request.trigger_datetime for e in won] == [T0, T0 + timedelta(hours=1)]
    assert lost is None
    assert len(runs(db)) == 2
    with db.transaction() as session:
        trigger = session.scalar(select(Trigger))
        assert trigger.latest_trigger_datetime == T0 + timedelta(hours=1)
        assert trigger.earliest_trigger_datetime == T0


def test_a_paused_job_fires_nothing_before_its_scheduler_hears_of_it(db):
    job_id = deploy(db, [{"name": "a", "depends": ["trigger/t"]}])
    with db.transaction() as session:
        trigger = load_triggers(session)[0]  # the scheduler's view, from before the pause
    with db.transaction() as session:
        session.get(Job, job_id).paused = True
    with db.transaction() as session:
        assert fire(session, trigger, [T0], "normal") is None
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Token)) == 0
        assert session.scalar(select(Trigger.latest_trigger_datetime)) is None
    assert runs(db) == []


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_pause_waits_for_a_firing_in_flight(db):
    """What fires before a pause commits has its runs: the pause waits for it."""
    job_id = deploy(db, [{"name": "a", "depends": ["trigger/t"]}])
    with db.transaction() as session:
        trigger = load_triggers(session)[0]
    paused = threading.Event()

    def pause() -> None:
        with db.transaction() as session:
            session.get(Job, job_id).paused = True
        paused.set()

    with db.transaction() as session:
        executions = fire(session, trigger, [T0], "normal")
        pausing = threading.Thread(target=pause)
        pausing.start()
        assert not paused.wait(0.5)  # held back by the firing's share lock
    pausing.join(timeout=30)
    assert paused.is_set() and executions is not None and len(executions) == 1
    ((run, name),) = runs(db)
    assert (name, run.trigger_datetime) == ("a", T0)


def test_threshold_fan_in_and_or_join(db):
    deploy(
        db,
        [
            {"name": "a", "depends": ["trigger/t"]},
            {"name": "b", "depends": ["trigger/t"]},
            {"name": "join", "depends": ["task/a", "task/b"]},
            {"name": "either", "depends": ["task/a", "task/b"], "threshold": 1},
        ],
    )
    executions = fire_trigger(db, [T0])
    assert sorted(n for _, n in runs(db)) == ["a", "b"]
    assert {e.request.priority for e in executions} == {"normal"}
    a_run = next(r for r, n in runs(db) if n == "a")
    downstream = finish(db, a_run, State.SUCCESS)
    assert [
        task_name
        for r, task_name in runs(db)
        if r.id in {e.request.task_run_id for e in downstream}
    ] == ["either"]
    b_run = next(r for r, n in runs(db) if n == "b")
    downstream = finish(db, b_run, State.SUCCESS)
    names = sorted(n for r, n in runs(db) if r.id in {e.request.task_run_id for e in downstream})
    assert names == ["either", "join"]  # the OR join runs once per upstream success
    with db.transaction() as session:
        join = session.get(Token, (task_id(db, "join"), T0))
        assert (join.count, join.state) == (0, State.ACTIVE)


def test_failure_edge_and_timeout_follow_failure(db):
    deploy(
        db,
        [
            {"name": "a", "depends": ["trigger/t"]},
            {"name": "on_ok", "depends": ["task/a"]},
            {"name": "on_fail", "depends_failure": ["task/a"]},
        ],
    )
    fire_trigger(db, [T0, T0 + timedelta(hours=1)])
    first, second = [r for r, _ in runs(db, "a")]
    assert [runs_of.request.task_id for runs_of in finish(db, first, State.FAILURE)] == [
        task_id(db, "on_fail")
    ]
    assert [e.request.task_id for e in finish(db, second, State.TIMEOUT)] == [
        task_id(db, "on_fail")
    ]
    assert finish(db, second, State.SUCCESS) == []  # a late duplicate changes nothing


def progress_of(run, result, finished=None):
    return Progress(
        run.id, run.task_id, run.trigger_datetime, T0, finished, result, WORKER, run.attempt
    )


def test_a_batch_of_progress_applies_in_order(db):
    deploy(
        db,
        [
            {"name": "a", "depends": ["trigger/t"]},
            {"name": "b", "depends": ["trigger/t"]},
            {"name": "join", "depends": ["task/a", "task/b"]},
        ],
    )
    fire_trigger(db, [T0])
    ((a, _),) = runs(db, "a")
    ((b, _),) = runs(db, "b")
    done = datetime.now(UTC)
    batch = [
        progress_of(a, State.RUNNING),
        progress_of(b, State.RUNNING),
        progress_of(a, State.SUCCESS, done),
        progress_of(b, State.SUCCESS, done),
        progress_of(a, State.FAILURE, done),  # a late duplicate changes nothing
        Progress(uuid.uuid4(), a.task_id, T0, T0, done, State.SUCCESS, WORKER, 1),  # unknown run
    ]
    downstream = applied(db, batch)
    # The join saw both successes within the one transaction, and runs once.
    assert [e.request.task_id for e in downstream] == [task_id(db, "join")]
    assert {n: r.state for r, n in runs(db)} == {
        "a": State.SUCCESS,
        "b": State.SUCCESS,
        "join": State.ACTIVE,
    }


def test_a_rule_task_is_decided_by_upstream_results_of_the_same_batch(db):
    deploy(
        db,
        [
            {"name": "a", "depends": ["trigger/t"]},
            {"name": "b", "depends": ["trigger/t"]},
            {"name": "c", "depends": ["task/a", "task/b"], "trigger_rule": "all_success"},
        ],
    )
    fire_trigger(db, [T0])
    ((a, _),) = runs(db, "a")
    ((b, _),) = runs(db, "b")
    done = datetime.now(UTC)
    downstream = applied(
        db, [progress_of(a, State.SUCCESS, done), progress_of(b, State.SUCCESS, done)]
    )
    assert [e.request.task_id for e in downstream] == [task_id(db, "c")]


def test_error_stops_and_cancelled_waits(db):
    deploy(
        db, [{"name": "a", "depends": ["trigger/t"]}, {"name": "b", "depends_failure": ["task/a"]}]
    )
    fire_trigger(db, [T0])
    ((run, _),) = runs(db, "a")
    assert finish(db, run, State.ERROR) == []
    with db.transaction() as session:
        assert session.get(Token, (run.task_id, T0)).state == State.ERROR


def test_retry_then_success_is_attempt_two(db):
    deploy(
        db,
        [
            {"name": "a", "depends": ["trigger/t"], "retry": {"max_attempts": 3, "delay": "10s"}},
            {"name": "after", "depends": ["task/a"]},
        ],
    )
    fire_trigger(db, [T0])
    ((first, _),) = runs(db, "a")
    assert finish(db, first, State.FAILURE) == []
    with db.transaction() as session:
        assert session.get(Token, (first.task_id, T0)).state == State.RETRY
        retry = session.scalar(select(Retry))
        assert retry.task_run_id == first.id
        assert due_retries(session, datetime.now(UTC)) == []  # not due yet
    with db.transaction() as session:
        (execution,) = due_retries(session, datetime.now(UTC) + timedelta(seconds=11))
    assert execution.request.attempt == 2
    with db.transaction() as session:
        assert due_retries(session, datetime.now(UTC) + timedelta(seconds=11)) == []
        token = session.get(Token, (first.task_id, T0))
        assert (token.count, token.state) == (0, State.ACTIVE)  # never negative (bug 3)
    second = next(r for r, _ in runs(db, "a") if r.attempt == 2)
    downstream = finish(db, second, State.SUCCESS)
    assert [e.request.task_id for e in downstream] == [task_id(db, "after")]


def test_failure_without_retry_policy_propagates(db):
    # The original crashed here (bug 1): no retry config means one attempt.
    deploy(
        db, [{"name": "a", "depends": ["trigger/t"]}, {"name": "f", "depends_failure": ["task/a"]}]
    )
    fire_trigger(db, [T0])
    ((run, _),) = runs(db, "a")
    assert len(finish(db, run, State.FAILURE)) == 1


def test_fail_exit_code_fails_at_once_without_retry(db):
    deploy(
        db,
        [
            {
                "name": "a",
                "depends": ["trigger/t"],
                "retry": {"max_attempts": 3, "delay": "10s"},
                "fail_exit_code": 98,
            },
            {"name": "on_fail", "depends_failure": ["task/a"]},
            {"name": "rule", "depends": ["task/a"], "trigger_rule": "one_failed"},
        ],
    )
    fire_trigger(db, [T0, T0 + timedelta(hours=1)])
    hopeless, flaky = [r for r, _ in runs(db, "a")]
    downstream = finish(db, hopeless, State.FAILURE, exit_code=98)
    # Failure edges and trigger rules follow at once: no retry is left.
    assert sorted(e.request.task_id for e in downstream) == sorted(
        [task_id(db, "on_fail"), task_id(db, "rule")]
    )
    with db.transaction() as session:
        assert session.get(Token, (hopeless.task_id, T0)).state == State.FAILURE
        run = session.get(TaskRun, hopeless.id)
        assert (run.state, run.message) == (
            State.FAILURE,
            "exit code 98 (fail_exit_code: no retry)",
        )
    # Another exit code is an ordinary failure, retried as the policy says.
    assert finish(db, flaky, State.FAILURE, exit_code=1) == []
    with db.transaction() as session:
        assert session.get(Token, (flaky.task_id, flaky.trigger_datetime)).state == State.RETRY
        assert [r.task_run_id for r in session.scalars(select(Retry))] == [flaky.id]
        assert session.get(TaskRun, flaky.id).message == "exit code 1"


def test_exponential_backoff_is_capped():
    task = Task(retry_delay_secs=10, retry_backoff="exponential", retry_max_delay_secs=60)
    assert [retry_delay(task, n, 300) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
    assert retry_delay(Task(retry_delay_secs=None, retry_backoff="fixed"), 3, 300) == 300


def test_paused_job_holds_tokens_until_resumed(db):
    job_id = deploy(db, [{"name": "a", "depends": ["trigger/t"]}], paused=True)
    a = task_id(db, "a")
    with db.transaction() as session:
        assert run_ready(session, add_tokens(session, [(a, T0)]), "normal") == []
        session.get(Job, job_id).paused = False
    with db.transaction() as session:
        (execution,) = resume_job(session, job_id)
    assert execution.request.task_id == a and execution.request.priority == "normal"


def test_edge_offsets_shift_trigger_time(db):
    deploy(
        db,
        [
            {"name": "a", "depends": ["trigger/t@1h"]},
            {"name": "b", "depends": ["task/a@1d"]},
        ],
    )
    fire_trigger(db, [T0])
    ((run, _),) = runs(db, "a")
    assert run.trigger_datetime == T0 + timedelta(hours=1)
    (execution,) = finish(db, run, State.SUCCESS)
    assert execution.request.trigger_datetime == T0 + timedelta(days=1, hours=1)


def test_cross_job_dependency(db):
    deploy(db, [{"name": "up", "depends": ["trigger/t"]}], name="upstream")
    deploy(db, [{"name": "down", "depends": ["upstream/task/up"]}], triggers=[], name="downstream")
    fire_trigger(db, [T0])
    ((run, _),) = runs(db, "up")
    (execution,) = finish(db, run, State.SUCCESS)
    assert execution.request.task_id == task_id(db, "down")


def test_lost_run_is_requeued_as_new_attempt(db):
    deploy(db, [{"name": "a", "depends": ["trigger/t"]}])
    fire_trigger(db, [T0])
    ((run, _),) = runs(db, "a")
    with db.transaction() as session:
        stored = session.get(TaskRun, run.id)
        stored.state = State.RUNNING
        stored.updated_datetime = datetime.now(UTC) - timedelta(minutes=10)
    with db.transaction() as session:
        (execution,) = requeue_lost(
            session, datetime.now(UTC) - timedelta(minutes=3), datetime.now(UTC)
        )
    assert execution.request.attempt == 2
    with db.transaction() as session:
        assert session.get(TaskRun, run.id).state == State.ERROR
        assert "stopped sending heartbeats" in session.get(TaskRun, run.id).message
        assert session.get(Token, (run.task_id, T0)).state == State.ACTIVE


def interrupt(db, run):
    """What a worker sends when it stops mid-run: the run is handed back."""
    progress = replace(progress_of(run, State.ERROR, datetime.now(UTC)), interrupted=True)
    return applied(db, [progress])


def test_a_run_handed_back_by_a_stopping_worker_runs_again_at_once(db):
    deploy(db, [{"name": "a", "depends": ["trigger/t"]}, {"name": "b", "depends": ["task/a"]}])
    fire_trigger(db, [T0])
    ((first, _),) = runs(db, "a")
    (execution,) = interrupt(db, first)
    assert (execution.request.task_id, execution.request.attempt) == (first.task_id, 2)
    with db.transaction() as session:
        ended = session.get(TaskRun, first.id)
        assert ended.state == State.ERROR
        assert ended.message == f"interrupted: worker {WORKER} was stopped"
        assert session.get(Token, (first.task_id, T0)).state == State.ACTIVE
    assert [name for _, name in runs(db)] == ["a", "a"]  # nothing went downstream
    assert interrupt(db, first) == []  # a duplicate changes nothing


def test_a_run_handed_back_too_often_ends_in_error(db):
    deploy(db, [{"name": "a", "depends": ["trigger/t"]}])
    fire_trigger(db, [T0])
    for attempt in range(1, 1 + 1 + LOST_RUN_REQUEUES):  # no retry policy: 1 + requeues
        (run, _) = runs(db, "a")[-1]
        assert run.attempt == attempt
        executions = interrupt(db, run)
    assert executions == []
    with db.transaction() as session:
        assert session.get(Token, (run.task_id, T0)).state == State.ERROR


def test_catchup_order():
    from waterwheel.broker.messages import TaskRequest
    from waterwheel.scheduler.runs import Execution

    executions = [
        Execution(
            TaskRequest(uuid.uuid4(), uuid.uuid4(), T0 + timedelta(hours=i), "backfill", 1),
            "default",
        )
        for i in (1, 0, 2)
    ]
    hours = lambda es: [int((e.request.trigger_datetime - T0).total_seconds() // 3600) for e in es]  # noqa: E731
    assert hours(order_catchup(executions, "earliest")) == [0, 1, 2]
    assert hours(order_catchup(executions, "latest")) == [2, 1, 0]
    assert sorted(hours(order_catchup(executions, "random"))) == [0, 1, 2]


def test_concurrent_claims_make_one_run_per_threshold(db):
    """Many threads (separate connections) race to fire the same charged token."""
    deploy(db, [{"name": "a", "depends": ["trigger/t"]}])
    a = task_id(db, "a")
    with db.transaction() as session:
        add_tokens(session, [(a, T0)] * 3)  # three tokens: three runs, never more
    won: list = []
    barrier = threading.Barrier(6)

    def racer():
        barrier.wait()
        with db.transaction() as session:
            won.extend(run_ready(session, [(a, T0)], "normal"))

    threads = [threading.Thread(target=racer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 3
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(TaskRun)) == 3
        assert session.get(Token, (a, T0)).count == 0


@pytest.mark.parametrize("mode", ["none", "earliest"])
def test_catchup_none_moves_bookmark_without_tokens(db, time_machine, mode):
    from waterwheel.scheduler.triggers import TriggerLoop

    time_machine.move_to(datetime(2025, 3, 1, 0, 0, 0, tzinfo=UTC), tick=False)
    deploy(
        db,
        [{"name": "a", "depends": ["trigger/t"]}],
        triggers=[{"name": "t", "start": "2025-01-01T00:00:00Z", "period": "1d", "catchup": mode}],
    )
    dispatched: list = []
    loop = TriggerLoop(db, owns=lambda _id: True, dispatch=dispatched.extend)
    loop._refresh()
    loop._fire_due()
    with db.transaction() as session:
        latest = session.scalar(select(Trigger.latest_trigger_datetime))
    assert latest == datetime(2025, 3, 1, tzinfo=UTC)  # a time due this very moment fires
    expected_days = 31 + 28 + 1
    if mode == "none":
        assert dispatched == [] and runs(db) == []
    else:
        assert len(dispatched) == expected_days
        assert dispatched[0].request.trigger_datetime == T0
        assert {e.request.priority for e in dispatched} == {"backfill"}


def catch_up(db, dispatched):
    """A scheduler taking the triggers on: it catches them up, dispatching into
    a list or a callable."""
    from waterwheel.scheduler.triggers import TriggerLoop

    dispatch = dispatched if callable(dispatched) else dispatched.extend
    loop = TriggerLoop(db, owns=lambda _id: True, dispatch=dispatch)
    loop._refresh()
    loop._fire_due()
    return loop


def fire_until_caught_up(loop) -> int:
    """Passes of the trigger loop until nothing is due now; returns how many fired."""
    passes = 0
    while (upcoming := loop._fire_due()) is not None and upcoming[0] <= datetime.now(UTC):
        passes += 1
    return passes


def deploy_daily_latest_only(db):
    daily = {"name": "t", "start": "2025-01-01T00:00:00Z", "period": "1d", "catchup": "latest_only"}
    deploy(db, [{"name": "a", "depends": ["trigger/t"]}], triggers=[daily])


@pytest.mark.parametrize("batch", ["default", "all missed", "all but one"])
def test_latest_only_catchup_runs_just_the_newest_missed_time(db, monkeypatch, time_machine, batch):
    from waterwheel.scheduler import triggers

    time_machine.move_to(datetime(2026, 12, 31, 23, 59, 59, 900000, tzinfo=UTC), tick=False)
    today = datetime(2026, 12, 31, tzinfo=UTC)
    missed = (today - T0).days + 1
    sizes = {"default": triggers.BATCH, "all missed": missed, "all but one": missed - 1}
    monkeypatch.setattr(triggers, "BATCH", sizes[batch])  # the newest in a batch of its own
    deploy_daily_latest_only(db)
    dispatched: list = []
    loop = catch_up(db, dispatched)
    assert [(e.request.trigger_datetime, e.request.priority) for e in dispatched] == [
        (today, "backfill")
    ]
    assert [r.trigger_datetime for r, _ in runs(db)] == [today]
    with db.transaction() as session:
        trigger = session.scalar(select(Trigger))
    # The bookmark moved past every missed time: none of them fires later.
    assert (trigger.earliest_trigger_datetime, trigger.latest_trigger_datetime) == (T0, today)
    loop._fire_due()
    catch_up(db, dispatched)  # another scheduler taking it over
    assert len(dispatched) == 1 and len(runs(db)) == 1


@pytest.mark.parametrize("mode", ["none", "latest_only"])
def test_skipping_catchup_jumps_millions_of_missed_times(db, monkeypatch, time_machine, mode):
    # Every second since 2025: walking the missed times would take minutes
    # (and hold up every other trigger of the scheduler).
    from waterwheel.scheduler.schedule import TriggerTimes

    walked = []
    after = TriggerTimes.after
    monkeypatch.setattr(TriggerTimes, "after", lambda self, t: walked.append(t) or after(self, t))
    every_second = {"name": "t", "start": "2025-01-01T00:00:00Z", "period": "1s", "catchup": mode}
    deploy(db, [{"name": "a", "depends": ["trigger/t"]}], triggers=[every_second])
    now = datetime(2026, 7, 1, 8, 30, 15, 250000, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    dispatched: list = []
    catch_up(db, dispatched)
    assert len(walked) < 100
    with db.transaction() as session:
        trigger = session.scalar(select(Trigger))
    assert trigger.earliest_trigger_datetime == T0
    assert trigger.latest_trigger_datetime == now.replace(microsecond=0)
    fed = [e.request.trigger_datetime for e in dispatched]
    assert fed == ([trigger.latest_trigger_datetime] if mode == "latest_only" else [])


def test_latest_only_does_not_fill_in_a_start_moved_back(db):
    deploy_daily_latest_only(db)
    dispatched: list = []
    loop = catch_up(db, dispatched)
    with db.transaction() as session:
        session.scalar(select(Trigger)).start_datetime = T0 - timedelta(days=30)
    loop.reload()
    loop._refresh()
    loop._fire_due()
    assert len(dispatched) == len(runs(db)) == 1  # the thirty older days stay skipped


@pytest.mark.parametrize("schedule", [{"period": "1d"}, {"cron": "0 0 0 * * *"}])
def test_a_start_moved_back_fires_the_whole_gap_once(db, monkeypatch, time_machine, schedule):
    from waterwheel.scheduler import triggers

    time_machine.move_to(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False)
    monkeypatch.setattr(triggers, "BATCH", 4)  # a gap of several batches
    trigger = {"name": "t", "start": "2026-01-01T00:00:00Z", "catchup": "earliest"} | schedule
    deploy(db, [{"name": "a", "depends": ["trigger/t"]}], triggers=[trigger])
    batches: list[list[datetime]] = []

    def dispatch(executions):
        batches.append([e.request.trigger_datetime for e in executions])

    loop = catch_up(db, dispatch)
    fire_until_caught_up(loop)
    # January 1 to March 10: 69 days, a batch a pass, oldest first.
    assert [len(b) for b in batches] == [4] * 17 + [1]
    assert batches[0][0] == datetime(2026, 1, 1, tzinfo=UTC)
    assert batches[-1] == [datetime(2026, 3, 10, tzinfo=UTC)]
    batches.clear()
    with db.transaction() as session:
        session.scalar(select(Trigger)).start_datetime = datetime(2025, 12, 22, tzinfo=UTC)
    loop.reload()
    loop._refresh()
    fire_until_caught_up(loop)
    # The ten days before: newest batch first, each fired once.
    day = [datetime(2025, 12, 22, tzinfo=UTC) + timedelta(days=n) for n in range(10)]
    assert [sorted(b) for b in batches] == [day[6:], day[2:6], day[:2]]
    times = sorted(r.trigger_datetime for r, _ in runs(db))
    assert len(times) == 69 + 10 == len(set(times))
    with db.transaction() as session:
        assert session.scalar(select(Trigger.earliest_trigger_datetime)) == day[0]


def test_a_long_catch_up_holds_up_no_other_trigger(db, monkeypatch):
    from waterwheel.scheduler import triggers

    monkeypatch.setattr(triggers, "BATCH", 4)
    now = datetime.now(UTC).replace(microsecond=0)
    backlog = {
        "name": "backlog",
        "start": format_datetime(now - timedelta(hours=99)),
        "period": "1h",
    }
    due = {"name": "due", "start": format_datetime(now - timedelta(seconds=1)), "period": "1d"}
    deploy(
        db,
        [{"name": "a", "depends": ["trigger/backlog"]}, {"name": "b", "depends": ["trigger/due"]}],
        triggers=[backlog, due],
    )
    catch_up(db, [])  # one pass
    assert sorted(name for _, name in runs(db)) == ["a"] * 4 + ["b"]


def test_owned_trigger_next_moment_with_offset():
    from waterwheel.scheduler.schedule import TriggerTimes

    times = TriggerTimes(start=T0, end=T0 + timedelta(hours=2), period=3600, cron=None, offset=-180)
    trigger = OwnedTrigger(
        id=uuid.uuid4(), times=times, catchup="earliest", latest=None, earliest=None
    )
    assert trigger.next_moment() == T0 - timedelta(minutes=3)
    trigger.latest = T0 + timedelta(hours=1)
    assert trigger.next_moment() is None  # the end is exclusive


def test_runs_whose_message_may_be_lost_are_published_again(db):
    # Bug 6 of the original: the run row is committed first; until its message is
    # known to be on the broker it stays unpublished, and a sweep sends it again.
    from waterwheel.scheduler.runs import mark_published, unpublished

    deploy(db, [{"name": "a", "depends": ["trigger/t"]}])
    (execution,) = fire_trigger(db, [T0])
    later = datetime.now(UTC) + timedelta(seconds=1)
    with db.transaction() as session:
        assert [e.request.task_run_id for e in unpublished(session, later)] == [
            execution.request.task_run_id
        ]
        assert unpublished(session, datetime.now(UTC) - timedelta(minutes=1)) == []  # too young
        mark_published(session, [execution])
    with db.transaction() as session:
        assert unpublished(session, later) == []


def test_trigger_offset_counts_for_what_is_due():
    # Bug 10 of the original: catch-up compared the logical time with now.
    from waterwheel.scheduler.schedule import TriggerTimes

    now = T0 + timedelta(hours=2, minutes=30)
    late = TriggerTimes(start=T0, end=None, period=3600, cron=None, offset=3600)
    early = TriggerTimes(start=T0, end=None, period=3600, cron=None, offset=-1800)
    assert late.due(None, now, 100) == [T0, T0 + timedelta(hours=1)]
    assert early.due(None, now, 100) == [
        T0 + timedelta(hours=n) for n in range(4)
    ]  # 03:00 at 02:30
