"""Airflow 2: every trigger rule (with the old names `dummy` and
`none_failed_or_skipped`) over upstream tasks that succeed, fail, skip or are
upstream_failed; one TaskGroup per rule, one task per upstream combination."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup
from airflow.utils.trigger_rule import TriggerRule

RULES = [
    TriggerRule.ALL_SUCCESS,
    TriggerRule.ALL_FAILED,
    TriggerRule.ALL_DONE,
    TriggerRule.ONE_SUCCESS,
    TriggerRule.ONE_FAILED,
    TriggerRule.ONE_DONE,
    TriggerRule.NONE_FAILED,
    TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,
    TriggerRule.NONE_FAILED_OR_SKIPPED,
    TriggerRule.NONE_SKIPPED,
    TriggerRule.ALL_SKIPPED,
    TriggerRule.ALWAYS,
    TriggerRule.DUMMY,
]
# Each rule's task names say which upstream tasks they have.
COMBINATIONS = ["ok", "bad", "skip", "broken", "ok_bad", "ok_skip", "bad_skip"]

with DAG("v2_trigger_rules", schedule_interval=None, start_date=datetime(2024, 1, 1)) as dag:
    upstream = {
        "ok": EmptyOperator(task_id="ok"),
        "bad": BashOperator(task_id="bad", bash_command="exit 1"),
        # After bad: Airflow decides all_success over a failure and a skip by
        # whichever it sees first, so the order is fixed (bad first).
        "skip": BashOperator(
            task_id="skip", bash_command="exit 99", trigger_rule=TriggerRule.ALL_DONE
        ),
        "broken": EmptyOperator(task_id="broken"),  # upstream_failed, after bad
    }
    upstream["bad"] >> [upstream["broken"], upstream["skip"]]
    for rule in RULES:
        with TaskGroup(rule.value):
            for name in COMBINATIONS:
                task = EmptyOperator(task_id=name, trigger_rule=rule)
                [upstream[part] for part in name.split("_")] >> task
