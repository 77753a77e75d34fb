"""Hooks DAG files import from ``airflow.hooks``."""
