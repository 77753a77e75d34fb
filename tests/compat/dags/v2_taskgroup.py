"""Airflow 2: nested TaskGroups, a group without prefix, group default_args."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup

with DAG("v2_taskgroup", schedule_interval="@daily", start_date=datetime(2024, 1, 1)) as dag:
    start = EmptyOperator(task_id="start")
    with TaskGroup("extract", default_args={"retries": 4}) as extract:
        a = BashOperator(task_id="a", bash_command="echo a")
        with TaskGroup("inner") as inner:
            b = BashOperator(task_id="b", bash_command="echo b")
        a >> inner
    with TaskGroup("plain", prefix_group_id=False) as plain:
        c = BashOperator(task_id="c", bash_command="echo c")
        d = BashOperator(task_id="d", bash_command="echo d")
    end = EmptyOperator(task_id="end")
    start >> extract >> plain >> end
