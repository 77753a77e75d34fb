"""Airflow 3: every trigger rule over upstream tasks that succeed, fail, skip
or are upstream_failed; one TaskGroup per rule, one task per upstream
combination."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, TaskGroup, TriggerRule, task
from airflow.sdk.exceptions import AirflowSkipException

# Every rule of Airflow 3 but all_done_setup_success, which needs setup tasks
# (Waterwheel has none).
RULES = [
    TriggerRule.ALL_SUCCESS,
    TriggerRule.ALL_FAILED,
    TriggerRule.ALL_DONE,
    TriggerRule.ALL_DONE_MIN_ONE_SUCCESS,
    TriggerRule.ONE_SUCCESS,
    TriggerRule.ONE_FAILED,
    TriggerRule.ONE_DONE,
    TriggerRule.NONE_FAILED,
    TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,
    TriggerRule.NONE_SKIPPED,
    TriggerRule.ALL_SKIPPED,
    TriggerRule.ALWAYS,
]
# Each rule's task names say which upstream tasks they have.
COMBINATIONS = ["ok", "bad", "skip", "broken", "ok_bad", "ok_skip", "bad_skip"]


@task
def bad():
    raise ValueError("failing on purpose")


# After bad: Airflow decides all_success over a failure and a skip by whichever
# it sees first, so the order is fixed (bad first).
@task(trigger_rule=TriggerRule.ALL_DONE)
def skip():
    raise AirflowSkipException("nothing to do")


with DAG("v3_trigger_rules", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    upstream = {"ok": EmptyOperator(task_id="ok"), "bad": bad(), "skip": skip()}
    upstream["broken"] = EmptyOperator(task_id="broken")  # upstream_failed, after bad
    upstream["bad"] >> [upstream["broken"], upstream["skip"]]
    for rule in RULES:
        with TaskGroup(rule.value):
            for name in COMBINATIONS:
                after = EmptyOperator(task_id=name, trigger_rule=rule)
                [upstream[part] for part in name.split("_")] >> after
