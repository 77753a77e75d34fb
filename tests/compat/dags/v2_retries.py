"""Airflow 2: retries, retry_delay, exponential backoff, execution_timeout, queue;
a task that fails once then succeeds, and one that runs out of retries."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

default_args = {
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "execution_timeout": timedelta(minutes=30),
    "not_an_operator_argument": "ignored, as in Airflow",
}

with DAG(
    "v2_retries",
    schedule_interval="@daily",
    start_date=datetime(2024, 1, 1),
    default_args=default_args,
) as dag:
    plain = BashOperator(task_id="plain", bash_command="exit 0")
    backoff = BashOperator(
        task_id="backoff",
        bash_command="exit 0",
        retry_exponential_backoff=True,
        max_retry_delay=timedelta(hours=1),
        queue="heavy",
    )
    none = BashOperator(task_id="none", bash_command="exit 0", retries=0, execution_timeout=None)
    plain >> backoff >> none
    # Short delays so the retries happen within a test run.
    BashOperator(
        task_id="flaky",
        bash_command=(
            "echo try {{ try_number }} ctx=$AIRFLOW_CTX_TRY_NUMBER; [ {{ try_number }} -ge 2 ]"
        ),
        retries=2,
        retry_delay=timedelta(seconds=1),
    )
    BashOperator(
        task_id="hopeless",
        bash_command="echo try {{ ti.try_number }} of {{ ti.max_tries + 1 }}; exit 1",
        retries=1,
        retry_delay=timedelta(seconds=1),
    )
