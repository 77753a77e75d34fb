"""A DAG file using a module the shim does not provide."""

from airflow import DAG
from airflow.sensors.filesystem import FileSensor

dag = DAG("broken_missing_module", schedule=None)
FileSensor(task_id="wait", filepath="/tmp/x", dag=dag)
