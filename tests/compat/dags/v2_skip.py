"""Airflow 2: AirflowSkipException, Bash exit 99, a custom skip code, failures."""

from datetime import datetime

from airflow import DAG
from airflow.exceptions import AirflowFailException, AirflowSkipException
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def skip():
    raise AirflowSkipException("nothing to do today")


def fail():
    raise AirflowFailException("bad input")


def crash():
    raise ValueError("boom")


with DAG("v2_skip", schedule_interval=None, start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(task_id="skip", python_callable=skip)
    PythonOperator(task_id="fail", python_callable=fail, retries=2)
    PythonOperator(task_id="crash", python_callable=crash)
    BashOperator(task_id="bash_99", bash_command="exit 99")
    BashOperator(task_id="bash_custom", bash_command="exit 42", skip_on_exit_code=[42])
    BashOperator(task_id="bash_fail", bash_command="echo oops; exit 3")
