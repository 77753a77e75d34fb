"""Airflow 3: @task.branch (to a group id) and @task.short_circuit."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import TaskGroup, dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1))
def v3_branch_decorator():
    @task.branch
    def pick(**context):
        return context["params"].get("route", "fast")

    with TaskGroup("fast") as fast:
        first = EmptyOperator(task_id="first")
        first >> EmptyOperator(task_id="second")
    slow = EmptyOperator(task_id="slow")
    done = EmptyOperator(task_id="done", trigger_rule="none_failed_min_one_success")
    pick() >> [fast, slow] >> done

    @task.short_circuit
    def enabled() -> bool:
        return False

    enabled() >> EmptyOperator(task_id="guarded")


v3_branch_decorator()
