"""Airflow 2's operator modules (Airflow 3 keeps them under providers.standard)."""
