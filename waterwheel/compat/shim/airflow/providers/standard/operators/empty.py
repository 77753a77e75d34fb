"""Airflow 3's path of EmptyOperator."""

from airflow.operators.empty import EmptyOperator

__all__ = ["EmptyOperator"]
