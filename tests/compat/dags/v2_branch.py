"""Airflow 2: BranchPythonOperator choosing a task, a join that tolerates skips."""

from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator


def choose(**context):
    return "weekday" if context["logical_date"].weekday() < 5 else "weekend"


with DAG("v2_branch", schedule_interval="0 3 * * *", start_date=datetime(2024, 1, 1)) as dag:
    branch = BranchPythonOperator(task_id="branch", python_callable=choose)
    weekday = EmptyOperator(task_id="weekday")
    weekend = EmptyOperator(task_id="weekend")
    report = EmptyOperator(task_id="report")
    join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
    branch >> [weekday, weekend] >> join
    weekday >> report >> join
