"""Airflow 3's ``airflow.task`` package (only its trigger rules)."""
