"""Airflow 3 provider paths (standard operators) the shim offers."""
