"""Helpers DAG files import from ``airflow.utils``."""
