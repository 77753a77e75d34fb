"""Airflow 2: a local-time start date with a cron (Waterwheel runs crons in UTC)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.utils import timezone

with DAG(
    "v2_timezone",
    schedule_interval="30 8 * * *",
    start_date=datetime(2024, 3, 1, tzinfo=ZoneInfo("Europe/Paris")),
    end_date=timezone.datetime(2024, 6, 1),
) as dag:
    BashOperator(task_id="local", bash_command="echo {{ ts }}")
