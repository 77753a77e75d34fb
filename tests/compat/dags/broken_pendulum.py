"""A DAG file importing pendulum, which Waterwheel's images do not have."""

import pendulum
from airflow.sdk import DAG

dag = DAG("broken_pendulum", schedule=None, start_date=pendulum.datetime(2024, 1, 1))
