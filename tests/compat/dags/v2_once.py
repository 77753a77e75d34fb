"""Airflow 2: @once with catchup off (still runs once)."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "v2_once", schedule_interval="@once", start_date=datetime(2024, 5, 1, 12), catchup=False
) as dag:
    BashOperator(task_id="only", bash_command="echo once")
