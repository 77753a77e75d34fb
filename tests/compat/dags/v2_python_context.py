"""Airflow 2: PythonOperator with op_args, op_kwargs, templates_dict and context kwargs."""

from datetime import datetime

from airflow.models.dag import DAG
from airflow.operators.python import PythonOperator


def greet(greeting, name, ds, ti, templates_dict):
    print(f"{greeting} {name} on {ds} as {ti.task_id}; rendered={templates_dict['when']}")
    return {"greeting": greeting, "name": name}


def everything(**context):
    print("keys:", sorted(k for k in ("ds", "ti", "dag_run", "params", "next_ds") if k in context))
    print("manual:", context["dag_run"].external_trigger, "conf:", context["dag_run"].conf)
    return len(context)


with DAG("v2_python_context", schedule="@daily", start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(
        task_id="greet",
        python_callable=greet,
        op_args=["hello"],
        op_kwargs={"name": "{{ params.name }}"},
        templates_dict={"when": "{{ ds_nodash }}"},
        params={"name": "ada"},
        provide_context=True,
    ) >> PythonOperator(task_id="everything", python_callable=everything)
