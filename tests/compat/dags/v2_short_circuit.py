"""Airflow 2: ShortCircuitOperator, skipping everything or only direct downstream."""

from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import ShortCircuitOperator

with DAG("v2_short_circuit", schedule_interval=None, start_date=datetime(2024, 1, 1)) as dag:
    stop_all = ShortCircuitOperator(task_id="stop_all", python_callable=lambda: False)
    stop_direct = ShortCircuitOperator(
        task_id="stop_direct",
        python_callable=lambda: [],
        ignore_downstream_trigger_rules=False,
    )
    go_on = ShortCircuitOperator(task_id="go_on", python_callable=lambda: "yes")
    stop_all >> EmptyOperator(task_id="after_all")
    stop_direct >> EmptyOperator(task_id="after_direct")
    go_on >> EmptyOperator(task_id="after_go_on")
