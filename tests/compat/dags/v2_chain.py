"""Airflow 2: chain, cross_downstream (both homes), edge labels, set_upstream."""

from datetime import datetime

from airflow import DAG
from airflow.models.baseoperator import chain
from airflow.operators.empty import EmptyOperator
from airflow.utils.edgemodifier import Label
from airflow.utils.helpers import cross_downstream

with DAG("v2_chain", schedule_interval="@daily", start_date=datetime(2024, 1, 1)) as dag:
    t = {name: EmptyOperator(task_id=name) for name in "abcdefghij"}
    chain(t["a"], [t["b"], t["c"]], [t["d"], t["e"]], t["f"])
    cross_downstream([t["f"], t["g"]], [t["h"], t["i"]])
    t["h"] >> Label("labelled") >> t["j"]
    t["i"].set_downstream(t["j"])
    t["g"] << t["a"]
