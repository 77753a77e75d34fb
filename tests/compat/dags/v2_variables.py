"""Airflow 2: Variable.get with default_var and JSON, var.value / var.json templates."""

from datetime import datetime

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

# Read at parse time: at deploy only AIRFLOW_VAR_* and defaults are visible.
REGION = Variable.get("region", default_var="eu")


def read_variables():
    print("region", Variable.get("region"))
    print("settings", Variable.get("settings", deserialize_json=True)["size"])
    print("missing", Variable.get("missing", default_var="fallback"))
    try:
        Variable.get("missing")
    except KeyError:
        print("missing raises KeyError")


with DAG("v2_variables", schedule_interval="@daily", start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(task_id="read", python_callable=read_variables)
    BashOperator(
        task_id="template",
        bash_command=(
            "echo {{ var.value.region }} {{ var.json.settings.size }}"
            " {{ var.value.get('nope', 'dflt') }}"
        ),
    )
