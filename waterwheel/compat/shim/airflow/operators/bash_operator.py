"""Airflow 1.10's path of BashOperator."""

from airflow.operators.bash import BashOperator

__all__ = ["BashOperator"]
