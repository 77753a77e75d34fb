"""Airflow 3: callbacks and pre/post execute hooks run by the runner."""

from datetime import datetime

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def say(word):
    return lambda context: print(f"{word} {context['ti'].task_id}", flush=True)


def fail():
    raise RuntimeError("failing on purpose")


with DAG("v3_callbacks", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(
        task_id="ok",
        python_callable=lambda: print("body"),
        on_execute_callback=say("executing"),
        on_success_callback=[say("succeeded"), say("again")],
        pre_execute=say("pre"),
        post_execute=lambda context, result: print(f"post result={result}"),
    )
    PythonOperator(
        task_id="retrying",
        python_callable=fail,
        retries=1,
        on_retry_callback=say("retrying"),
        on_failure_callback=say("failed"),
    )
