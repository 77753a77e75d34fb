"""Airflow 2: a weekday cron, whose intervals differ in length."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "v2_cron_weekdays", schedule_interval="0 6 * * 1-5", start_date=datetime(2024, 1, 3)
) as dag:
    BashOperator(
        task_id="dates",
        bash_command=(
            "echo logical={{ logical_date }}"
            " start={{ data_interval_start }} end={{ data_interval_end }}"
        ),
    )
