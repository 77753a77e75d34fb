"""Airflow 3: a DAG file importing a helper module from the DAG folder."""

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from helpers.shared import GREETING, make_command

with DAG("v3_imports_sibling", schedule="@once", start_date=datetime(2024, 6, 1)) as dag:
    BashOperator(task_id="greet", bash_command=make_command(GREETING))
