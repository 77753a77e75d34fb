"""Airflow 2: no schedule, unpaused on creation, params a trigger's conf overrides."""

from datetime import datetime

from airflow import DAG
from airflow.models.param import Param
from airflow.operators.bash import BashOperator

with DAG(
    "v2_manual",
    schedule_interval=None,
    start_date=datetime(2024, 1, 1),
    is_paused_upon_creation=False,
    params={"table": "events", "limit": Param(10, type="integer")},
) as dag:
    BashOperator(
        task_id="load",
        bash_command=(
            "echo table={{ params.table }} limit={{ params.limit }}"
            " conf={{ dag_run.conf }} run={{ run_id }}"
        ),
    )
