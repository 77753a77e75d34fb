"""Airflow 2: context manager, BashOperator, schedule_interval preset, templates."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "v2_bash_daily",
    description="daily bash",
    schedule_interval="@daily",
    start_date=datetime(2024, 1, 1),
    end_date=datetime(2024, 12, 31),
    tags=["bash"],
) as dag:
    show = BashOperator(
        task_id="show",
        bash_command=(
            "echo ds={{ ds }} ts={{ ts }} nodash={{ ds_nodash }}"
            " start={{ data_interval_start }} end={{ data_interval_end }}"
            " prev={{ prev_ds }} next={{ next_ds }} exec={{ execution_date }}"
            " run={{ run_id }} key={{ task_instance_key_str }} try={{ try_number }}"
            " params={{ params.who }} ctx=$AIRFLOW_CTX_DAG_ID/$AIRFLOW_CTX_TASK_ID"
        ),
        params={"who": "world"},
    )
    last = BashOperator(task_id="last_line", bash_command="echo first; echo second")
    show >> last
    # A command ending in .sh is a template file, found from the DAG's folder.
    BashOperator(
        task_id="from_file",
        bash_command="templates/script.sh",
        env={"GREETING": "{{ params.who }}"},
        params={"who": "a file"},
    )
