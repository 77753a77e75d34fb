"""Waterwheel's stand-in for the ``airflow`` package, for DAG files.

It provides the Airflow 2 and Airflow 3 import paths that Waterwheel
supports (docs/airflow-migration.md lists them); anything else fails to
import, which names the missing module or name.
"""

from airflow.models.dag import DAG

__all__ = ["DAG"]
