"""Airflow 3: two DAGs in one file, one only reachable through a module global."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG("v3_two_dags_a", schedule=None, start_date=datetime(2024, 1, 1)):
    EmptyOperator(task_id="a")

second = DAG("v3_two_dags_b", schedule=None, start_date=datetime(2024, 1, 1))
EmptyOperator(task_id="b", dag=second)
