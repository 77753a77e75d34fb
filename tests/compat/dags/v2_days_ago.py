"""Airflow 2: days_ago and no schedule argument (one day by default in 2.x)."""

from airflow.models import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.utils.dates import days_ago

dag = DAG("v2_days_ago", start_date=days_ago(2), default_args={"owner": "ops"})

BashOperator(
    task_id="hello",
    bash_command="echo hello for {{ ds }} until {{ data_interval_end }}",
    dag=dag,
)
