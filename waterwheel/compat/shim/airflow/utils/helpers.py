"""Old home of chain and cross_downstream."""

from airflow.models.baseoperator import chain, cross_downstream

__all__ = ["chain", "cross_downstream"]
