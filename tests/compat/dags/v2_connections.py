"""Airflow 2: BaseHook.get_connection and conn templates."""

from datetime import datetime

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def show_connection():
    conn = BaseHook.get_connection("warehouse")
    print("conn", conn.conn_type, conn.host, conn.login, conn.password, conn.port, conn.schema)
    print("extra", conn.extra_dejson)
    print("uri", conn.get_uri())


with DAG("v2_connections", schedule_interval=None, start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(task_id="show", python_callable=show_connection)
    BashOperator(
        task_id="template", bash_command="echo {{ conn.warehouse.host }}:{{ conn.warehouse.port }}"
    )
