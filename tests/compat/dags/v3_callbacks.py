"""Airflow 3: callbacks and pre/post execute hooks run by the runner."""

from datetime import datetime, timedelta

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def say(word):
    def callback(context):
        # Failure and retry callbacks also get the exception.
        reason = f": {context['exception']}" if context.get("exception") else ""
        print(f"{word} {context['ti'].task_id}{reason}", flush=True)

    return callback


def fail():
    raise RuntimeError("failing on purpose")


def fail_first(ti):
    if ti.try_number == 1:
        raise RuntimeError("failing the first try")
    print(f"try {ti.try_number} works")


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
        retry_delay=timedelta(seconds=1),
        on_retry_callback=say("retrying"),
        on_failure_callback=say("failed"),
    )
    PythonOperator(
        task_id="recovers",
        python_callable=fail_first,
        retries=1,
        retry_delay=timedelta(seconds=1),
        on_retry_callback=say("retrying"),
        on_success_callback=say("succeeded"),
        on_failure_callback=say("failed"),
    )
