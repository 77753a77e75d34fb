"""Airflow 2: timedelta schedule, catchup off, end_date, timezone-aware start."""

from datetime import UTC, datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "v2_timedelta",
    schedule=timedelta(hours=4),
    start_date=datetime(2024, 1, 1, 2, tzinfo=UTC),
    end_date=datetime(2024, 2, 1, tzinfo=UTC),
    catchup=False,
) as dag:
    BashOperator(
        task_id="dates", bash_command="echo {{ data_interval_start }} {{ data_interval_end }}"
    )
