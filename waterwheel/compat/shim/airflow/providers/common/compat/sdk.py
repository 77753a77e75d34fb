"""The compat path the standard provider's examples import TriggerRule from."""

from airflow.utils.trigger_rule import TriggerRule

__all__ = ["TriggerRule"]
