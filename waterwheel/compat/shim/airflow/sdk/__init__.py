"""Airflow 3's authoring API, ``airflow.sdk``: the same objects as the Airflow 2 paths."""

from airflow import macros
from airflow.decorators import dag, task, task_group
from airflow.hooks.base import BaseHook
from airflow.models.baseoperator import BaseOperator, chain, chain_linear, cross_downstream
from airflow.models.connection import Connection
from airflow.models.dag import DAG
from airflow.models.param import Param, ParamsDict
from airflow.models.variable import Variable
from airflow.models.xcom_arg import XComArg
from airflow.operators.branch import BaseBranchOperator
from airflow.utils import timezone
from airflow.utils.context import Context, get_current_context
from airflow.utils.edgemodifier import Label
from airflow.utils.task_group import TaskGroup
from airflow.utils.trigger_rule import TriggerRule
from airflow.utils.weight_rule import WeightRule

__all__ = [
    "DAG",
    "BaseBranchOperator",
    "BaseHook",
    "BaseOperator",
    "Connection",
    "Context",
    "Label",
    "Param",
    "ParamsDict",
    "TaskGroup",
    "TriggerRule",
    "Variable",
    "WeightRule",
    "XComArg",
    "chain",
    "chain_linear",
    "cross_downstream",
    "dag",
    "get_current_context",
    "macros",
    "task",
    "task_group",
    "timezone",
]
