"""A DAG file importing a name the shim's module does not have."""

from airflow import DAG
from airflow.operators.python import PythonVirtualenvOperator

dag = DAG("broken_missing_name", schedule=None)
PythonVirtualenvOperator(task_id="isolated", python_callable=print, dag=dag)
