"""Airflow 2's old name of EmptyOperator (removed in Airflow 3; kept here)."""

from airflow.operators.empty import DummyOperator, EmptyOperator

__all__ = ["DummyOperator", "EmptyOperator"]
