"""Airflow 1.10/2 import paths: models.dag.DAG, bash_operator, python_operator."""

from datetime import datetime

from airflow.models.dag import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.python_operator import PythonOperator
from airflow.utils.trigger_rule import TriggerRule

dag = DAG(dag_id="v2_old_paths", schedule_interval="@weekly", start_date=datetime(2024, 1, 7))

first = BashOperator(task_id="first", bash_command="echo first", dag=dag)
second = PythonOperator(
    task_id="second",
    python_callable=lambda: print("second"),
    dag=dag,
    trigger_rule=TriggerRule.ALL_DONE,
)
second.set_upstream(first)
