"""A DAG file that raises while it is imported."""

from airflow import DAG

dag = DAG("broken_exception", schedule=None)
raise RuntimeError("configuration missing for this DAG")
