"""Airflow 2: @dag/@task from airflow.decorators, multiple_outputs, XComArg arguments."""

from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule_interval="@daily", start_date=datetime(2024, 1, 1), catchup=False, tags=["taskflow"])
def v2_taskflow():
    @task(multiple_outputs=True)
    def extract():
        return {"orders": 3, "customers": 2}

    @task
    def total(orders: int, customers: int) -> int:
        return orders * 10 + customers

    @task(retries=1)
    def report(value, **context):
        print(f"report {value} for {context['ds']}")

    data = extract()
    report(total(data["orders"], data["customers"]))


v2_taskflow()
