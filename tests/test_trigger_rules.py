"""Trigger rules: the decision table, and the scheduler applying it (runs,
skips, upstream failures, branch decisions) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.test_scheduler_core import WORKER, deploy, finish, runs, task_id
from waterwheel.db.models import Job, JobStash, TaskRun, Token
from waterwheel.scheduler.claims import claim_runs
from waterwheel.scheduler.maintenance import resume_job
from waterwheel.scheduler.rules import RULES, Verdict, decide
from waterwheel.scheduler.runs import add_tokens, run_ready
from waterwheel.states import State

T0 = datetime(2025, 1, 1, tzinfo=UTC)
S, F, SK, UF, TO, E = "success", "failure", "skipped", "upstream_failed", "timeout", "error"
RUN, SKIP, BROKEN = Verdict.RUN, Verdict.SKIP, Verdict.UPSTREAM_FAILED

# (rule, upstream states, verdict): None in the states is "not done yet".
TABLE = [
    ("all_success", [S, S], RUN),
    ("all_success", [S, None], None),
    ("all_success", [S, SK], SKIP),
    ("all_success", [F, None], BROKEN),
    ("all_success", [UF, SK], BROKEN),
    ("all_success", [TO, S], BROKEN),
    ("all_failed", [F, UF], RUN),
    ("all_failed", [F, None], None),
    ("all_failed", [F, S], SKIP),
    ("all_done", [S, F, SK], RUN),
    ("all_done", [S, None], None),
    ("all_done_min_one_success", [S, F], RUN),
    ("all_done_min_one_success", [F, F], BROKEN),
    ("all_done_min_one_success", [S, SK], SKIP),
    ("one_success", [S, None], RUN),
    ("one_success", [SK, SK], SKIP),
    ("one_success", [F, SK], BROKEN),
    ("one_success", [F, None], None),
    ("one_failed", [E, None], RUN),
    ("one_failed", [S, S], SKIP),
    ("one_done", [F, None], RUN),
    ("one_done", [SK, UF], SKIP),
    ("none_failed", [S, SK], RUN),
    ("none_failed", [S, UF], BROKEN),
    ("none_failed", [S, None], None),
    ("none_failed_min_one_success", [S, SK], RUN),
    ("none_failed_min_one_success", [SK, SK], SKIP),
    ("none_failed_min_one_success", [F, S], BROKEN),
    ("none_skipped", [S, F], RUN),
    ("none_skipped", [SK, None], SKIP),
    ("all_skipped", [SK, SK], RUN),
    ("all_skipped", [SK, S], SKIP),
    ("always", [None, None], RUN),
]


@pytest.mark.parametrize(("rule", "states", "verdict"), TABLE)
def test_decision_table(rule, states, verdict):
    assert decide(rule, states) == verdict


def test_every_rule_is_in_the_table_and_the_schema():
    assert {rule for rule, _, _ in TABLE} == RULES
    with pytest.raises(ValueError, match="unknown trigger rule"):
        decide("sometimes", [S])


def by_task(db) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for run, name in runs(db):
        grouped.setdefault(name, []).append(run.state)
    return grouped


def run_of(db, name):
    return next(run for run, task in runs(db) if task == name)


def start(db, name):
    with db.transaction() as session:
        return run_ready(session, add_tokens(session, [(task_id(db, name), T0)]), "normal")


def test_skip_and_upstream_failure_cascade_without_running(db):
    deploy(
        db,
        [
            {"name": "a", "depends": ["trigger/t"]},
            {"name": "b", "depends": ["task/a"], "trigger_rule": "all_success"},
            {"name": "c", "depends": ["task/b"], "trigger_rule": "all_success"},
            {"name": "cleanup", "depends": ["task/c"], "trigger_rule": "all_done"},
            {"name": "alert", "depends": ["task/b"], "trigger_rule": "one_failed"},
        ],
    )
    start(db, "a")
    executions = finish(db, run_of(db, "a"), State.FAILURE)
    # b and c are upstream_failed at once; cleanup (all_done) and alert run.
    assert sorted(str(e.request.task_id) for e in executions) == sorted(
        [str(task_id(db, "cleanup")), str(task_id(db, "alert"))]
    )
    states = by_task(db)
    assert states["b"] == [UF] and states["c"] == [UF]
    with db.transaction() as session:
        (b_run,) = session.scalars(select(TaskRun).where(TaskRun.task_id == task_id(db, "b")))
        assert b_run.message == "all_success: upstream_failed"
        assert b_run.finish_datetime is not None


def test_a_rule_task_runs_once_per_trigger_time(db):
    deploy(
        db,
        [
            {"name": "a", "depends": ["trigger/t"]},
            {"name": "b", "depends": ["trigger/t"]},
            {"name": "first", "depends": ["task/a", "task/b"], "trigger_rule": "one_success"},
        ],
    )
    start(db, "a")
    start(db, "b")
    first = finish(db, run_of(db, "a"), State.SUCCESS)
    second = finish(db, run_of(db, "b"), State.SUCCESS)
    assert [e.request.task_id for e in first] == [task_id(db, "first")]
    assert second == []  # threshold 1 would have run it twice


def write_decision(db, task_name: str, decision: dict) -> None:
    with db.transaction() as session:
        job_id = session.scalar(select(Job.id))
        session.add(
            JobStash(
                job_id=job_id,
                trigger_datetime=T0,
                name=f"_decision.{task_name}",
                data=json.dumps(decision).encode(),
            )
        )


def test_branch_skips_what_it_did_not_follow(db):
    deploy(
        db,
        [
            {"name": "pick", "depends": ["trigger/t"]},
            {"name": "left", "depends": ["task/pick"], "trigger_rule": "all_success"},
            {"name": "right", "depends": ["task/pick"], "trigger_rule": "all_success"},
            {"name": "after_right", "depends": ["task/right"], "trigger_rule": "all_success"},
            {
                "name": "join",
                "depends": ["task/left", "task/after_right"],
                "trigger_rule": "none_failed_min_one_success",
            },
        ],
    )
    start(db, "pick")
    write_decision(db, "pick", {"followed": ["left"]})
    executions = finish(db, run_of(db, "pick"), State.SUCCESS)
    assert [e.request.task_id for e in executions] == [task_id(db, "left")]
    assert by_task(db)["right"] == [SK] and by_task(db)["after_right"] == [SK]
    (join,) = finish(db, run_of(db, "left"), State.SUCCESS)
    assert join.request.task_id == task_id(db, "join")


def test_short_circuit_skips_everything_below_whatever_the_rule(db):
    deploy(
        db,
        [
            {"name": "check", "depends": ["trigger/t"]},
            {"name": "next", "depends": ["task/check"], "trigger_rule": "all_success"},
            {"name": "anyway", "depends": ["task/next"], "trigger_rule": "all_done"},
        ],
    )
    start(db, "check")
    write_decision(db, "check", {"skip_downstream": "all"})
    assert finish(db, run_of(db, "check"), State.SUCCESS) == []
    assert by_task(db)["next"] == [SK] and by_task(db)["anyway"] == [SK]


def test_direct_short_circuit_lets_rules_decide_below(db):
    deploy(
        db,
        [
            {"name": "check", "depends": ["trigger/t"]},
            {"name": "next", "depends": ["task/check"], "trigger_rule": "all_success"},
            {"name": "anyway", "depends": ["task/next"], "trigger_rule": "all_done"},
        ],
    )
    start(db, "check")
    write_decision(db, "check", {"skip_downstream": "direct"})
    (anyway,) = finish(db, run_of(db, "check"), State.SUCCESS)
    assert anyway.request.task_id == task_id(db, "anyway")


def test_skipped_result_from_a_task_follows_rules(db):
    deploy(
        db,
        [
            {"name": "maybe", "depends": ["trigger/t"], "skip_exit_code": 99},
            {"name": "after", "depends": ["task/maybe"], "trigger_rule": "all_success"},
            {"name": "tolerant", "depends": ["task/maybe"], "trigger_rule": "none_failed"},
        ],
    )
    start(db, "maybe")
    (tolerant,) = finish(db, run_of(db, "maybe"), State.SKIPPED)
    assert tolerant.request.task_id == task_id(db, "tolerant")
    assert by_task(db)["after"] == [SK]


def test_paused_job_decides_rule_tasks_on_resume(db):
    job_id = deploy(
        db,
        [
            {"name": "a", "depends": ["trigger/t"]},
            {"name": "b", "depends": ["task/a"], "trigger_rule": "all_success"},
        ],
    )
    start(db, "a")
    running = run_of(db, "a")
    with db.transaction() as session:  # a worker took it before the pause
        claim_runs(session, WORKER, [running.id], datetime.now(UTC))
        session.get(Job, job_id).paused = True
    assert finish(db, running, State.SUCCESS) == []
    with db.transaction() as session:
        assert session.get(Token, (task_id(db, "b"), T0)).state == State.WAITING
        session.get(Job, job_id).paused = False
    with db.transaction() as session:
        (execution,) = resume_job(session, job_id)
    assert execution.request.task_id == task_id(db, "b")


def test_plain_tasks_keep_token_semantics(db):
    # No trigger rule anywhere: a skipped upstream sends nothing, as before.
    deploy(db, [{"name": "a", "depends": ["trigger/t"]}, {"name": "b", "depends": ["task/a"]}])
    start(db, "a")
    assert finish(db, run_of(db, "a"), State.SKIPPED) == []
    assert "b" not in by_task(db)
