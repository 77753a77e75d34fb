"""Airflow's trigger rules, decided over the results of a task's upstream tasks
for one trigger time. A task with a ``trigger_rule`` runs at most once per
trigger time, and may end ``skipped`` or ``upstream_failed`` without running.
docs/trigger-rules.md has the table."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from waterwheel.jobdoc import JOB_SCHEMA, load_schema
from waterwheel.states import State


class Verdict(StrEnum):
    RUN = "run"
    SKIP = State.SKIPPED.value
    UPSTREAM_FAILED = State.UPSTREAM_FAILED.value


FAILED = frozenset({State.FAILURE, State.TIMEOUT, State.ERROR})
DONE = FAILED | {State.SUCCESS, State.SKIPPED, State.UPSTREAM_FAILED}
# The rules a job document may name, read from its schema so the two cannot drift.
RULES = frozenset(
    load_schema(JOB_SCHEMA)["$defs"]["task"]["properties"]["trigger_rule"]["enum"]
) - {None}


def decide(rule: str, upstream: Sequence[str | None]) -> Verdict | None:
    """What the task does now, given each upstream's state (None: not done);
    None means wait for more upstream results."""
    n = len(upstream)
    success = sum(1 for s in upstream if s == State.SUCCESS)
    failed = sum(1 for s in upstream if s in FAILED)
    upstream_failed = sum(1 for s in upstream if s == State.UPSTREAM_FAILED)
    skipped = sum(1 for s in upstream if s == State.SKIPPED)
    any_failed = failed + upstream_failed > 0
    all_done = success + failed + upstream_failed + skipped == n
    run, skip, broken = Verdict.RUN, Verdict.SKIP, Verdict.UPSTREAM_FAILED
    match rule:
        case "all_success":
            if any_failed:
                return broken
            if skipped:
                return skip
            return run if success == n else None
        case "all_failed":
            if success or skipped:
                return skip
            return run if all_done else None
        case "all_done":
            return run if all_done else None
        case "all_done_min_one_success":
            if skipped:
                return skip
            if all_done:
                return run if success else broken
            return None
        case "one_success":
            if success:
                return run
            if all_done:
                return skip if skipped == n else broken
            return None
        case "one_failed":
            if any_failed:
                return run
            return skip if all_done else None
        case "one_done":
            if success or failed:
                return run
            return skip if all_done else None
        case "none_failed":
            if any_failed:
                return broken
            return run if all_done else None
        case "none_failed_min_one_success":
            if any_failed:
                return broken
            if all_done:
                return run if success else skip
            return None
        case "none_skipped":
            if skipped:
                return skip
            return run if all_done else None
        case "all_skipped":
            if success or any_failed:
                return skip
            return run if all_done else None
        case "always":
            return run
    raise ValueError(f"unknown trigger rule '{rule}'")
