"""Airflow 3: a timedelta schedule (trigger semantics, offset 0)."""

from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("v3_timedelta", schedule=timedelta(minutes=90), start_date=datetime(2024, 1, 1)) as dag:
    BashOperator(task_id="tick", bash_command="echo {{ logical_date }}")
