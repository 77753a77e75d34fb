"""Airflow 3's path of TriggerRule."""

from airflow.utils.trigger_rule import TriggerRule

__all__ = ["TriggerRule"]
