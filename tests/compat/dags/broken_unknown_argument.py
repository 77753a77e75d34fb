"""A DAG file passing an argument BashOperator does not take."""

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("broken_unknown_argument", schedule=None):
    BashOperator(task_id="t", bash_command="echo", colour="red")
