"""Airflow 1.10's path of the Python operators."""

from airflow.operators.python import (
    BranchPythonOperator,
    PythonOperator,
    ShortCircuitOperator,
)

__all__ = ["BranchPythonOperator", "PythonOperator", "ShortCircuitOperator"]
