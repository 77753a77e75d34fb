"""``airflow.models``: the authoring classes Airflow 2 DAG files import from here."""

from airflow.models.baseoperator import BaseOperator
from airflow.models.connection import Connection
from airflow.models.dag import DAG
from airflow.models.param import Param
from airflow.models.variable import Variable
from airflow.models.xcom_arg import XComArg

__all__ = ["DAG", "BaseOperator", "Connection", "Param", "Variable", "XComArg"]
