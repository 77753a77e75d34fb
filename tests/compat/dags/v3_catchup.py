"""Airflow 3: scheduled runs caught up over a few past intervals, a daily
schedule, a weekday cron and a cron of a DAG in Paris time: the logical date is
the time the run is due and the data interval is empty. A daily DAG started two
days ago has a run for today's midnight already (Airflow 2 would run that
interval tomorrow)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

DATES = (
    "echo logical={{ logical_date }} ds={{ ds }} start={{ data_interval_start }}"
    " end={{ data_interval_end }} after={{ dag_run.run_after }} run={{ run_id }}"
)
PARIS = ZoneInfo("Europe/Paris")
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

for dag_id, schedule, start, end in (
    ("v3_catchup_daily", "@daily", datetime(2024, 1, 1), datetime(2024, 1, 3)),
    # From a Thursday to the next Tuesday's midnight: Thursday, Friday, Monday.
    ("v3_catchup_weekdays", "0 6 * * 1-5", datetime(2024, 1, 4), datetime(2024, 1, 9)),
    (
        "v3_catchup_paris",
        "30 8 * * *",
        datetime(2024, 3, 1, tzinfo=PARIS),
        datetime(2024, 3, 3, tzinfo=PARIS),
    ),
    ("v3_catchup_recent", "@daily", TODAY - timedelta(days=2), None),
):
    with DAG(dag_id, schedule=schedule, start_date=start, end_date=end, catchup=True):
        BashOperator(task_id="dates", bash_command=DATES)
