"""Airflow 3: @task_group called twice (group, group__1), returning its last task."""

from datetime import datetime

from airflow.sdk import dag, task, task_group


@dag(schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=True)
def v3_task_group_decorator():
    @task
    def source() -> int:
        return 1

    @task_group
    def process(value):
        @task
        def double(x: int) -> int:
            return x * 2

        @task
        def store(x: int) -> None:
            print("stored", x)

        return store(double(value))

    @task
    def finish() -> None:
        print("done")

    value = source()
    process(value) >> finish()
    process(value)


v3_task_group_decorator()
