"""Airflow 3: standard-provider operator paths and every trigger rule."""

from datetime import datetime

from airflow.providers.common.compat.sdk import TriggerRule
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG
from airflow.task.trigger_rule import TriggerRule as SameRule

assert TriggerRule is SameRule

with DAG(dag_id="v3_providers", schedule="0 */6 * * *", start_date=datetime(2024, 1, 1)) as dag:
    work = BashOperator(task_id="work", bash_command="echo work")
    check = PythonOperator(task_id="check", python_callable=lambda: True)
    rules = [
        "all_success",
        "all_failed",
        "all_done",
        "all_done_min_one_success",
        "one_success",
        "one_failed",
        "one_done",
        "none_failed",
        "none_failed_min_one_success",
        "none_skipped",
        "all_skipped",
        "always",
    ]
    for rule in rules:
        [work, check] >> EmptyOperator(task_id=f"rule_{rule}", trigger_rule=TriggerRule(rule))
