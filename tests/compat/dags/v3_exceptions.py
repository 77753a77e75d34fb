"""Airflow 3: airflow.sdk.exceptions, get_current_context, XCom pull defaults of 3.x."""

from datetime import datetime

from airflow.sdk import dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException


@dag(schedule=None, start_date=datetime(2024, 1, 1))
def v3_exceptions():
    @task
    def producer():
        get_current_context()["ti"].xcom_push(key="shared", value="from producer")
        return "produced"

    @task
    def consumer(value):
        ti = get_current_context()["ti"]
        print("value", value)
        print("own only", ti.xcom_pull(key="shared"))
        print("explicit", ti.xcom_pull(task_ids="producer", key="shared"))

    @task
    def skipper():
        raise AirflowSkipException("skip me")

    consumer(producer()) >> skipper()


v3_exceptions()
