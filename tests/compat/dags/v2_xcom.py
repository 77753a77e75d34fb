"""Airflow 2: xcom_push / xcom_pull (task_ids=None reads any task), Bash XCom."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def push(ti):
    ti.xcom_push(key="numbers", value=[1, 2, 3])
    ti.xcom_push(key="when", value=datetime(2024, 1, 2, 3, 4, 5))
    return {"total": 6}


def pull(ti):
    print("numbers", ti.xcom_pull(task_ids="push", key="numbers"))
    print("when", repr(ti.xcom_pull(task_ids="push", key="when")))
    print("return", ti.xcom_pull(task_ids="push"))
    print("any task", ti.xcom_pull(key="numbers"))
    print("list", ti.xcom_pull(task_ids=["push", "bash"]))
    print("missing", ti.xcom_pull(task_ids="nobody"))


with DAG("v2_xcom", schedule_interval="@daily", start_date=datetime(2024, 1, 1)) as dag:
    first = PythonOperator(task_id="push", python_callable=push)
    bash = BashOperator(
        task_id="bash",
        bash_command="echo pulled={{ ti.xcom_pull(task_ids='push')['total'] }}; echo last-line",
    )
    first >> bash >> PythonOperator(task_id="pull", python_callable=pull)
