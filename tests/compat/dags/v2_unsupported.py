"""Airflow 2: arguments Waterwheel cannot honour, each reported."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator


def notify(context):
    print("notified")


with DAG(
    "v2_unsupported",
    schedule_interval="@daily",
    start_date=datetime(2024, 1, 1),
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    on_failure_callback=notify,
) as dag:
    BashOperator(
        task_id="limited",
        bash_command="echo hi",
        pool="db",
        priority_weight=5,
        depends_on_past=True,
        sla=timedelta(hours=1),
        email="ops@example.com",
    )
    EmptyOperator(task_id="noop", on_success_callback=notify)
