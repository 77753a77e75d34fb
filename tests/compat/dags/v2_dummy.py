"""Airflow 2: DummyOperator under both old paths, the old rule names."""

from datetime import datetime

from airflow import DAG
from airflow.operators.dummy import DummyOperator
from airflow.operators.dummy_operator import DummyOperator as OldDummy

with DAG("v2_dummy", schedule_interval="@hourly", start_date=datetime(2024, 1, 1)) as dag:
    start = DummyOperator(task_id="start")
    always = OldDummy(task_id="always", trigger_rule="dummy")
    old = DummyOperator(task_id="old_rule", trigger_rule="none_failed_or_skipped")
    start >> always >> old
