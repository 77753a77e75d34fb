"""Airflow 2: scheduled runs caught up over a few past intervals, a daily
schedule, a weekday cron (whose Friday interval ends on Monday) and a cron of a
DAG in Paris time: the logical date is the start of the data interval, the run
comes after its end."""

from datetime import datetime
from zoneinfo import ZoneInfo

from airflow import DAG
from airflow.operators.bash import BashOperator

PARIS = ZoneInfo("Europe/Paris")
DATES = (
    "echo logical={{ logical_date }} ds={{ ds }} start={{ data_interval_start }}"
    " end={{ data_interval_end }} run={{ run_id }} prev={{ prev_ds }} next={{ next_ds }}"
)

for dag_id, schedule, start, end in (
    ("v2_catchup_daily", "@daily", datetime(2024, 1, 1), datetime(2024, 1, 3)),
    # From a Thursday to the next Tuesday's midnight: Thursday, Friday, Monday.
    ("v2_catchup_weekdays", "0 6 * * 1-5", datetime(2024, 1, 4), datetime(2024, 1, 9)),
    # Two days in Paris, whose clocks change at the end of the month.
    (
        "v2_catchup_paris",
        "30 8 * * *",
        datetime(2024, 3, 1, tzinfo=PARIS),
        datetime(2024, 3, 3, tzinfo=PARIS),
    ),
):
    with DAG(dag_id, schedule_interval=schedule, start_date=start, end_date=end, catchup=True):
        BashOperator(task_id="dates", bash_command=DATES)
