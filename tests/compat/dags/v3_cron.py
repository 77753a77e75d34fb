"""Airflow 3: a cron schedule (trigger semantics), catchup left to its default."""

from datetime import UTC, datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    "v3_cron",
    schedule="*/30 9-17 * * 1-5",
    start_date=datetime(2024, 1, 1, 8, 10, tzinfo=UTC),
    end_date=datetime(2024, 3, 1, tzinfo=UTC),
) as dag:
    BashOperator(
        task_id="dates",
        bash_command=(
            "echo logical={{ logical_date }} start={{ data_interval_start }}"
            " end={{ data_interval_end }} run={{ run_id }}"
        ),
    )
